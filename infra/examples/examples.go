// Package examples embeds the example submissions, one per kind, so tests,
// the bench and tools read the same bytes wherever they run from.
package examples

import "embed"

//go:embed *.json
var fs embed.FS

// Read returns the example file name, e.g. "quarterly-return.json".
func Read(name string) ([]byte, error) { return fs.ReadFile(name) }
