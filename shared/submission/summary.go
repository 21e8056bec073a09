package submission

import (
	"sort"

	"github.com/regional-data-exchange/rdx/shared/money"
)

// Summary is what the region's views need of a fund submission, small
// enough to keep in the table beside the version: the figures per cell
// (discipline, area), so that reading the pooled fund position never reads
// documents.
type Summary struct {
	Cells []SummaryCell `json:"cells,omitempty"`
	Final bool          `json:"final,omitempty"`
}

// SummaryCell is one (discipline, area): a contribution's Amount, or a
// return's Actual and Forecast net of income.
type SummaryCell struct {
	Discipline string      `json:"discipline"`
	AreaCode   string      `json:"areaCode"`
	Amount     money.Pence `json:"amount"`
	Actual     money.Pence `json:"actual"`
	Forecast   money.Pence `json:"forecast"`
}

// Summarize derives the summary of a valid, normalised document (nil for the
// kinds that have none).
func Summarize(kind Kind, doc map[string]any) (*Summary, error) {
	cells := map[[2]string]*SummaryCell{}
	cell := func(row map[string]any) *SummaryCell {
		d, _ := str(row, "discipline")
		a, _ := str(row, "areaCode")
		k := [2]string{d, a}
		if cells[k] == nil {
			cells[k] = &SummaryCell{Discipline: d, AreaCode: a}
		}
		return cells[k]
	}
	add := func(dst *money.Pence, v any, sign money.Pence) error {
		p, _ := v.(money.Pence)
		sum, err := money.Add(*dst, sign*p)
		*dst = sum
		return err
	}
	var err error
	switch kind {
	case PoolContributions:
		for _, row := range rows(doc, "lines") {
			err = firstErr(err, add(&cell(row).Amount, row["amount"], 1))
		}
	case QuarterlyReturns:
		for list, sign := range map[string]money.Pence{"spend": 1, "income": -1} {
			for _, row := range rows(doc, list) {
				c := cell(row)
				err = firstErr(err, add(&c.Actual, row["actualToDate"], sign), add(&c.Forecast, row["forecastOutturn"], sign))
			}
		}
	default:
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	s := &Summary{}
	s.Final, _ = doc["final"].(bool)
	for _, c := range cells {
		s.Cells = append(s.Cells, *c)
	}
	sort.Slice(s.Cells, func(i, j int) bool {
		if s.Cells[i].Discipline != s.Cells[j].Discipline {
			return s.Cells[i].Discipline < s.Cells[j].Discipline
		}
		return s.Cells[i].AreaCode < s.Cells[j].AreaCode
	})
	return s, nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
