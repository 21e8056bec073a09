package submission

import (
	"sort"

	"github.com/regional-data-exchange/rdx/shared/money"
)

// Summary is what the region's views need of a fund submission, small
// enough to keep in the table beside the version: the figures per cell
// (discipline, area), so that reading the pooled fund position never reads
// documents, and what the fund's quarterly report shows beside the
// position (KPI plans and actuals, the host's assurances).
type Summary struct {
	Cells []SummaryCell `json:"cells,omitempty"`
	Final bool          `json:"final,omitempty"`
	// Actuals are a return's actual to date per line, keyed by lineKey
	// ("spend|" or "income|", then discipline, area and category or source,
	// each followed by NUL): the next quarter's check that cumulative
	// figures do not fall reads them here, not from the document.
	Actuals map[string]money.Pence `json:"actuals,omitempty"`
	// KPIs are a return's KPI values (the actuals for its quarter), in
	// the document's order, each code once.
	KPIs []SummaryKPI `json:"kpis,omitempty"`
	// Assurances are the host's answers in a return, in the document's order.
	Assurances []SummaryAssurance `json:"assurances,omitempty"`
	// KPIPlans are a contribution's planned KPI values, by code and quarter
	// of its year, in the document's order.
	KPIPlans []SummaryKPI `json:"kpiPlans,omitempty"`
	// Streams are a contribution's amounts per funding stream, in stream
	// order (only for a fund with funding streams).
	Streams []SummaryStream `json:"streams,omitempty"`
}

// SummaryKPI is a KPI value: a return's actual (no Quarter: the return's
// own) or a contribution's plan for Quarter.
type SummaryKPI struct {
	Code    string        `json:"code"`
	Quarter string        `json:"quarter,omitempty"`
	Value   money.Decimal `json:"value"`
}

// SummaryAssurance is the host's answer to one of the fund's assurances.
type SummaryAssurance struct {
	Code       string `json:"code"`
	Met        bool   `json:"met"`
	Commentary string `json:"commentary,omitempty"`
}

// SummaryStream is what a contribution puts into the fund from one funding
// stream, across its lines.
type SummaryStream struct {
	FundingStream string      `json:"fundingStream"`
	Amount        money.Pence `json:"amount"`
}

// lineKey names a return line for Summary.Actuals.
func lineKey(list string, row map[string]any, kindField string) (string, bool) {
	k, ok := tuple(row, "discipline", "areaCode", kindField)
	return list + "|" + k, ok
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
	if kind != PoolContributions && kind != QuarterlyReturns {
		return nil, nil
	}
	s := &Summary{}
	s.Final, _ = doc["final"].(bool)
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
	var err error
	if kind == PoolContributions {
		streams := map[string]*SummaryStream{}
		for _, row := range rows(doc, "lines") {
			err = firstErr(err, addPence(&cell(row).Amount, row["amount"], 1))
			if fs, ok := str(row, "fundingStream"); ok {
				if streams[fs] == nil {
					streams[fs] = &SummaryStream{FundingStream: fs}
				}
				err = firstErr(err, addPence(&streams[fs].Amount, row["amount"], 1))
			}
		}
		for _, st := range streams {
			s.Streams = append(s.Streams, *st)
		}
		sort.Slice(s.Streams, func(i, j int) bool { return s.Streams[i].FundingStream < s.Streams[j].FundingStream })
		s.KPIPlans = kpiValues(doc, "kpiPlans")
	} else {
		s.KPIs = kpiValues(doc, "kpis")
		for _, row := range rows(doc, "assurances") {
			a := SummaryAssurance{}
			a.Code, _ = str(row, "code")
			a.Met, _ = row["met"].(bool)
			a.Commentary, _ = str(row, "commentary")
			s.Assurances = append(s.Assurances, a)
		}
		s.Actuals = map[string]money.Pence{}
		for _, l := range lineLists {
			sign := money.Pence(1)
			if l.list == "income" {
				sign = -1 // income reduces net spend
			}
			for _, row := range rows(doc, l.list) {
				c := cell(row)
				err = firstErr(err, addPence(&c.Actual, row["actualToDate"], sign), addPence(&c.Forecast, row["forecastOutturn"], sign))
				if k, ok := lineKey(l.list, row, l.kind); ok {
					s.Actuals[k], _ = row["actualToDate"].(money.Pence)
				}
			}
		}
	}
	if err != nil {
		return nil, err
	}
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

// kpiValues are a list's KPI values (with their quarter, for plans).
func kpiValues(doc map[string]any, list string) []SummaryKPI {
	var out []SummaryKPI
	for _, row := range rows(doc, list) {
		k := SummaryKPI{}
		k.Code, _ = str(row, "code")
		k.Quarter, _ = str(row, "quarter")
		k.Value, _ = row["value"].(money.Decimal)
		out = append(out, k)
	}
	return out
}

// addPence adds sign × v (a money value of the document) to *dst, overflow-checked.
func addPence(dst *money.Pence, v any, sign money.Pence) error {
	p, _ := v.(money.Pence)
	sum, err := money.Add(*dst, sign*p)
	*dst = sum
	return err
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
