// Command genvectors writes the receipt test vectors again, byte for byte:
//
//	go run ./shared/receipt/internal/genvectors
//
// into shared/receipt/testdata/vectors (or the folder given with -dir),
// removing the vectors that were there first so no stale vector is left behind.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/regional-data-exchange/rdx/shared/receipt/receipttest"
)

func main() {
	dir := flag.String("dir", "shared/receipt/testdata/vectors", "the vectors folder (run from the repository's root)")
	flag.Parse()
	if _, err := os.Stat(filepath.Join(*dir, receipttest.IndexFile)); err == nil {
		err = os.RemoveAll(*dir) // only a folder of vectors is removed
		if err != nil {
			fmt.Fprintln(os.Stderr, "genvectors:", err)
			os.Exit(1)
		}
	}
	if err := receipttest.Generate(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "genvectors:", err)
		os.Exit(1)
	}
	fmt.Println("genvectors: wrote", *dir)
}
