// Package receipttest makes and reads the receipt test vectors: signed
// receipts with the documents they name, a JWK set, a chain of receipts,
// an audit export and an export folder, each with tampered variants and
// the verdict the offline verifier must give. They are committed under
// shared/receipt/testdata/vectors; Generate writes them again, byte for
// byte (go run ./shared/receipt/internal/genvectors), and a test checks
// that the committed files are what it writes.
package receipttest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// IndexFile lists the vectors, in the vectors folder.
const IndexFile = "vectors.json"

// Vector is one case for the verifier: what to run it on and its verdict.
type Vector struct {
	Name  string `json:"name"`
	About string `json:"about"`
	// Command is the verifier's: "receipt", "chain", "audit" or "export".
	Command string `json:"command"`
	// Keys is the JWK set to check with.
	Keys string `json:"keys"`
	// Files, relative to the vectors folder: for "receipt" the receipt and,
	// when given, the document kept; for "chain" the receipts in order, or
	// one folder of them; for "audit" the export; for "export" the folder.
	Files []string `json:"files"`
	// Args is the verifier's command line for it, run in the vectors folder:
	// go run ./infra/verify <args>.
	Args []string `json:"args"`
	// Exit is the verifier's exit code: 0 valid, 1 invalid, 2 cannot check.
	Exit int `json:"exit"`
	// Reason names the failure (receipt.Reason) when Exit is not 0.
	Reason string `json:"reason,omitempty"`
	// Match is how a kept document matched ("raw" or "content").
	Match string `json:"match,omitempty"`
}

// Index is vectors.json.
type Index struct {
	Note    string   `json:"note"`
	Vectors []Vector `json:"vectors"`
}

// Load reads the index of the vectors in dir.
func Load(dir string) (*Index, error) {
	b, err := os.ReadFile(filepath.Join(dir, IndexFile))
	if err != nil {
		return nil, err
	}
	var ix Index
	if err := json.Unmarshal(b, &ix); err != nil {
		return nil, fmt.Errorf("%s: %w", IndexFile, err)
	}
	if len(ix.Vectors) == 0 {
		return nil, fmt.Errorf("%s lists no vectors", IndexFile)
	}
	return &ix, nil
}
