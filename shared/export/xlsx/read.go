package xlsx

import "github.com/xuri/excelize/v2"

// ReadSheet reads one sheet of a workbook file as rows of text, its header
// row first: what a verifier reads an XLSX export's versions sheet with
// (receipt.SheetReader).
func ReadSheet(path, sheet string) ([][]string, error) {
	f, err := excelize.OpenFile(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.GetRows(sheet)
}
