package web

// Every page the package's tests ask for is written both ways, in Go and
// by its templates, and fails unless the two are the same.
func init() { checkAgainstTemplates = true }

// WriteOnce writes each page only as it is served (for a benchmark) until
// the returned function is called.
func WriteOnce() (restore func()) {
	checkAgainstTemplates = false
	return func() { checkAgainstTemplates = true }
}
