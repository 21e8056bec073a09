package xlsx

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/regional-data-exchange/rdx/shared/export"
	"github.com/regional-data-exchange/rdx/shared/money"
)

// maxExactPence bounds the amounts written as numbers: below it the amount
// in pounds has at most 15 significant digits, so float64(pence)/100 (an
// exact integer divided with one correct rounding) is the float64 nearest
// the amount, and excelize's shortest formatting writes exactly "x.yy" back
// (trailing zeros dropped). No rounding surprise can reach the file.
const maxExactPence = 1_000_000_000_000_000 // £10 trillion

var errXLSXText = errors.New("text holds characters XML cannot carry or exceeds 32767 UTF-16 units")

// value turns a cell into what the StreamWriter writes. Text is always a
// plain string (excelize writes formulas only from Cell.Formula, never from
// a value), so "=SUM(A1)" is shown, never run. Numbers beyond 15 significant
// digits, which a spreadsheet cannot hold exactly, are kept exact as text.
func (s *xlsxSink) value(c export.Cell) (any, error) {
	switch c.Kind() {
	case export.Text:
		if !xlsxText(c.Text()) {
			return nil, errXLSXText
		}
		return c.Text(), nil
	case export.Int:
		return c.Int(), nil
	case export.Money:
		pence := c.Int()
		if pence <= -maxExactPence || pence >= maxExactPence {
			return money.Pence(pence).String(), nil
		}
		return excelize.Cell{StyleID: s.styles.money, Value: float64(pence) / 100}, nil
	case export.Decimal:
		return decimalValue(c.Text())
	case export.Date:
		return excelize.Cell{StyleID: s.styles.date, Value: c.Int() + excelEpochOffset}, nil
	case export.Bool:
		return c.Bool(), nil
	}
	return nil, nil // null: no cell
}

func decimalValue(s string) (any, error) {
	if significantDigits(s) > maxExactDigits {
		return s, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return nil, fmt.Errorf("decimal %q: %v", s, err)
	}
	return f, nil
}

// significantDigits counts from the first non-zero digit to the last digit
// that matters (trailing fractional zeros do not).
func significantDigits(s string) int {
	s = strings.TrimPrefix(s, "-")
	if intPart, frac, ok := strings.Cut(s, "."); ok {
		s = intPart + strings.TrimRight(frac, "0")
	}
	return len(strings.TrimLeft(s, "0"))
}

// xlsxText refuses what excelize would silently change: characters XML 1.0
// cannot hold (it writes U+FFFD) and text past a cell's 32767 UTF-16 units
// (it truncates), so the workbook never disagrees with the CSV and JSON.
func xlsxText(s string) bool {
	units := 0
	for _, r := range s {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF {
			return false
		}
		units++
		if r >= 0x10000 {
			units++
		}
	}
	return units <= excelize.TotalCellChars
}
