// Command local-kms serves local-kms (github.com/nsmithuk/local-kms, the KMS
// stand-in the tests sign receipts with) on a loopback address.
//
// It is local-kms's own request handler and database, started here rather
// than by local-kms's main because that main listens on every interface
// (":PORT") and the stand-ins listen on loopback only. make tools builds it
// into .cache/bin; infra/standins starts it on a free port with its data in
// a temporary folder. It is a module of its own, so local-kms's dependencies
// (the v1 AWS SDK, leveldb) stay out of the product's go.mod.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"

	"github.com/nsmithuk/local-kms/src"
	"github.com/nsmithuk/local-kms/src/config"
	"github.com/nsmithuk/local-kms/src/data"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "the loopback address to listen on")
	dir := flag.String("data", "", "the folder local-kms keeps its keys in (required)")
	account := flag.String("account", "111122223333", "the account id in the keys' ARNs")
	region := flag.String("region", "eu-west-2", "the region in the keys' ARNs")
	flag.Parse()
	if err := run(*addr, *dir, *account, *region); err != nil {
		fmt.Fprintln(os.Stderr, "local-kms:", err)
		os.Exit(1)
	}
}

func run(addr, dir, account, region string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%s is not a loopback address", addr)
	}
	if dir == "" {
		return fmt.Errorf("-data is required")
	}
	config.AWSAccountId, config.AWSRegion = account, region
	if config.DatabasePath, err = filepath.Abs(dir); err != nil {
		return err
	}
	db := data.NewDatabase(config.DatabasePath)
	defer db.Close()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	log.Printf("local-kms on http://%s, data in %s", ln.Addr(), config.DatabasePath)
	return http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { src.HandleRequest(w, r, db) }))
}
