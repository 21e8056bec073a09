package xlsx

import (
	"strconv"
	"strings"
)

// maxSheetName is the spreadsheet limit on a sheet name's length.
const maxSheetName = 31

// sheetName makes a table name a sheet name spreadsheets accept: table
// names are already restricted to [A-Za-z0-9._-] (no ':\/?*[]' or quotes),
// so what remains is the 31-character limit, Excel's reserved "History",
// and uniqueness without regard to case, which truncation can break.
func (s *xlsxSink) sheetName(table string) string {
	base := table
	if strings.EqualFold(base, "History") {
		base += "_"
	}
	name := truncate(base, maxSheetName)
	for n := 2; s.sheets[strings.ToLower(name)]; n++ {
		suffix := "~" + strconv.Itoa(n)
		name = truncate(base, maxSheetName-len(suffix)) + suffix
	}
	return name
}

// truncate cuts ASCII names (all table names are ASCII) to n bytes.
func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
