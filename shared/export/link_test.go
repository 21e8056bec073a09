package export_test

// The XLSX writer registers itself with package export, which it imports, so
// only an external test file can link it: this one links it into the test
// binary for the tests of every format in export_test.go.
import _ "github.com/regional-data-exchange/rdx/shared/export/xlsx"
