// Command verify checks the service's receipts, a series of them, an audit
// export and an export folder, offline, with a JWK set saved once from
// GET /v1/receipt-keys. It never calls the service or any network.
//
//	go run ./infra/verify receipt --keys jwks.json --receipt r.jws [--document doc.json]
//	go run ./infra/verify chain   --keys jwks.json r1.jws r2.jws ...
//	go run ./infra/verify chain   --keys jwks.json --dir receipts/
//	go run ./infra/verify audit   --keys jwks.json export.jsonl
//	go run ./infra/verify export  --keys jwks.json folder/
//
// It exits 0 when what it checked is valid, 1 when it is not (naming the
// reason), and 2 when it could not check (a file it cannot read, a key set
// it cannot trust, a command line it does not understand).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/regional-data-exchange/rdx/shared/receipt"
)

// The exit codes.
const (
	exitValid       = 0
	exitInvalid     = 1
	exitCannotCheck = 2
)

const usage = `verify checks the service's signed receipts, audit exports and exports, offline.

  verify receipt --keys jwks.json --receipt r.jws [--document doc.json]
      a receipt: who sent what, when; with --document, whether the document kept is the one it names
  verify chain --keys jwks.json r1.jws r2.jws ...     a series of receipts, in the order given
  verify chain --keys jwks.json --dir folder/          every .jws in a folder, in the order of their seq
  verify audit --keys jwks.json export.jsonl           an audit export: every record, and the signed end
  verify export --keys jwks.json folder/               an export's files against its signed manifest

--keys is the key set saved from GET /v1/receipt-keys. Nothing is fetched from the network.
Exit codes: 0 valid, 1 invalid (the reason is named), 2 cannot check.
`

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// run is the command: its arguments, where it writes, and its exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stderr, usage)
		return exitCannotCheck
	}
	c := &command{name: args[0], out: stdout, errOut: stderr}
	fs := flag.NewFlagSet("verify "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	keys := fs.String("keys", "", "the JWK set saved from GET /v1/receipt-keys")
	// fits says whether the arguments left after the flags suit the
	// command; check then checks.
	var fits func(pos []string) bool
	var check func(pos []string) error
	switch c.name {
	case "receipt":
		jws := fs.String("receipt", "", "the receipt (a .jws file)")
		doc := fs.String("document", "", "the document kept: the bytes sent, or the document in any layout")
		fits = func(pos []string) bool { return *jws != "" && len(pos) == 0 }
		check = func([]string) error { return c.receipt(*jws, *doc) }
	case "chain":
		dir := fs.String("dir", "", "a folder of .jws receipts")
		fits = func(pos []string) bool { return (*dir == "") != (len(pos) == 0) }
		check = func(pos []string) error { return c.chain(pos, *dir) }
	case "audit":
		fits = func(pos []string) bool { return len(pos) == 1 }
		check = func(pos []string) error { return c.audit(pos[0]) }
	case "export":
		fits = func(pos []string) bool { return len(pos) == 1 }
		check = func(pos []string) error { return c.export(pos[0]) }
	default:
		fmt.Fprintf(stderr, "verify: there is no command %q.\n\n%s", c.name, usage)
		return exitCannotCheck
	}
	pos, err := parse(fs, args[1:])
	switch {
	case err != nil:
	case *keys == "":
		err = errors.New("--keys is needed: the key set saved from GET /v1/receipt-keys")
	case !fits(pos):
		err = errors.New("these arguments do not fit the command")
	}
	if err != nil {
		fmt.Fprintf(stderr, "verify %s: %v\n\n%s", c.name, err, usage)
		return exitCannotCheck
	}
	if c.keys, err = loadKeys(*keys); err == nil {
		err = check(pos)
	}
	return c.verdict(err)
}

// parse reads flags wherever they are among the arguments, so that both
// "audit --keys k.json e.jsonl" and "audit e.jsonl --keys k.json" work.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos, args = append(pos, fs.Arg(0)), fs.Args()[1:]
	}
}

func loadKeys(path string) (*receipt.KeySet, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, cannot("the key set %s cannot be read: %v", path, err)
	}
	ks, err := receipt.ParseKeySet(b)
	if err != nil {
		return nil, cannot("the key set %s cannot be used: %v", path, err)
	}
	return ks, nil
}

func cannot(format string, args ...any) error {
	return &receipt.Error{Reason: receipt.ReasonCannotCheck, Detail: fmt.Sprintf(format, args...)}
}

// readFile reads a file the command was given; a file it cannot read
// cannot be checked.
func readFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, cannot("%s cannot be read: %v", path, err)
	}
	return b, nil
}

// command is one run: its name, key set and where it writes.
type command struct {
	name        string
	keys        *receipt.KeySet
	out, errOut io.Writer
	// files names the inputs in the order checked, when a failure's
	// detail counts them ("receipt 3").
	files []string
}

// verdict writes the outcome of a check that failed, or nothing more for
// one that passed (the check wrote its own VALID line), and gives the
// exit code.
func (c *command) verdict(err error) int {
	if err == nil {
		return exitValid
	}
	reason := receipt.ReasonOf(err)
	detail := err.Error()
	var e *receipt.Error
	if errors.As(err, &e) {
		detail = e.Detail
	}
	if reason == receipt.ReasonCannotCheck {
		fmt.Fprintf(c.errOut, "CANNOT CHECK: %s\nNothing was found wrong or right: fix the above and run the check again.\n", detail)
		return exitCannotCheck
	}
	fmt.Fprintf(c.out, "INVALID (%s)\n%s\nWhere: %s\n", reason, explain[reason], detail)
	if len(c.files) > 1 {
		fmt.Fprintln(c.out, "In the order checked:")
		for i, f := range c.files {
			fmt.Fprintf(c.out, "  receipt %d  %s\n", i+1, f)
		}
	}
	return exitInvalid
}

// describe writes what a receipt's statement says, in words.
func describe(w io.Writer, st *receipt.Statement) {
	fmt.Fprintf(w, "  What:     %s: %s\n", st.Action, about(st.About))
	fmt.Fprintf(w, "  Who:      %s (%s)\n", who(st), st.By.Sub)
	where := "region " + st.Region
	if st.Partner != "" {
		where = "partner " + st.Partner + ", " + where
	}
	fmt.Fprintf(w, "  For:      %s\n", where)
	fmt.Fprintf(w, "  When:     %s\n", st.At)
	fmt.Fprintf(w, "  Receipt:  %s, number %d of series %s\n", st.ID, st.Seq, st.Chain)
}

// about is a receipt's "about" as words: its members in order of name.
func about(m map[string]any) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %v", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

// who is the person or system a receipt names: its name, else its subject.
func who(st *receipt.Statement) string {
	if st.By.Name != "" {
		return st.By.Name
	}
	return st.By.Sub
}
