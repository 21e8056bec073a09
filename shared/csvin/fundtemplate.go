package csvin

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/regional-data-exchange/rdx/shared/i18n"
	"github.com/regional-data-exchange/rdx/shared/region"
)

// A fund's template is the form in the fund's own terms: what a finance
// lead fills in for that fund. The form itself is the same for every fund
// (a file is read without knowing its fund; the validator then checks each
// value against the fund's lists), so the general template stays valid and
// a fund's template only adds what helps: note rows that name the fund's
// spend categories, income sources, funding streams, assurances and the
// region's KPI codes, and example rows that use them, after the form's own
// guide. Note rows start with # and are skipped on upload, so the file can
// be sent with them.

// Errors of FundTemplateCSV, for the route to answer 404 (or 422) with.
var (
	ErrNotFundForm = errors.New("csvin: the purpose's form is not a fund's")
	ErrUnknownFund = errors.New("csvin: the region has no such fund")
)

// fundForm is a form in one fund's terms.
type fundForm struct {
	extra   []string            // optional columns the fund's rows use
	unused  []string            // record types the fund does not use, left out of its guide
	notes   []string            // the note rows' text, each after "# "
	example []map[string]string // the example rows
}

// IsFundForm reports whether the purpose's form has a fund's template: a
// form keyed by a fund (not a population assessment's).
func IsFundForm(p Purpose) bool {
	f, ok := forms()[p]
	return ok && f.forFund != nil
}

// FundTemplateCSV is the purpose's template for one fund of a region, in
// lang: the header (with the optional columns the fund uses), note rows
// with the form's guide and naming what the fund's lists allow, then
// example rows in the fund's terms (for the fund's host: its discipline and
// first area). A care-home fund whose lists are the general example's gives
// the general template's rows after its notes.
func FundTemplateCSV(p Purpose, reg *region.Region, fundID string, lang i18n.Lang) ([]byte, error) {
	f, ok := forms()[p]
	switch {
	case !ok:
		return nil, fmt.Errorf("csvin: unknown purpose %q", p)
	case f.forFund == nil:
		return nil, fmt.Errorf("%w: %s", ErrNotFundForm, p)
	}
	fund, ok := reg.Fund(fundID)
	if !ok {
		return nil, fmt.Errorf("%w: %s has no fund %q", ErrUnknownFund, reg.ID, fundID)
	}
	ff := f.forFund(f.example, reg, fund, lang)
	columns := append(slices.Clone(f.columns), ff.extra...)
	records := slices.DeleteFunc(f.recordOrder(), func(r string) bool { return slices.Contains(ff.unused, r) })
	guide := f.guide(p, lang, "", records, columns)
	rows := append([][]string{columns}, noteRows(append(guide.Notes(), ff.notes...), len(columns))...)
	for _, ex := range ff.example {
		cells := make([]string, len(columns))
		for i, name := range columns {
			cells[i] = ex[name]
		}
		rows = append(rows, cells)
	}
	return writeCSV(lang, rows), nil
}

// hostTerms are the discipline and area the fund's host writes its lines
// in: the first its type may fund and the first it serves.
func hostTerms(reg *region.Region, f *region.Fund) (discipline, area string) {
	discipline, area = string(region.SocialCare), ""
	if host, ok := reg.Partner(f.Host); ok {
		if ds := reg.DisciplinesOf(host); len(ds) > 0 {
			discipline = string(ds[0])
		}
		if len(host.Areas) > 0 {
			area = host.Areas[0]
		}
	}
	return discipline, area
}

// fundNotes writes a fund's notes in one language: each message with its
// values.
type fundNotes struct {
	lang  i18n.Lang
	notes []string
}

func (n *fundNotes) add(id string, data map[string]any) {
	n.notes = append(n.notes, i18n.Text(n.lang, "template.fund."+id, data))
}

func list(items []string) map[string]any { return map[string]any{"List": strings.Join(items, ", ")} }

// about names the fund and its region.
func (n *fundNotes) about(reg *region.Region, f *region.Fund) {
	n.add("about", map[string]any{"Fund": f.Name, "FundID": f.ID, "Region": reg.Name})
}

func kpiNote(reg *region.Region) string {
	codes := make([]string, len(reg.KPIs))
	for i, k := range reg.KPIs {
		codes[i] = k.Code + " (" + k.Unit + ")"
	}
	return strings.Join(codes, ", ")
}

// returnForFund is the quarterly return in a fund's terms: the example's
// spend rows in the fund's first categories, its income in the fund's first
// source, its KPI the region's first, and, for a fund with assurances, a
// row per assurance (answered yes) with the commentary column they use.
func returnForFund(example []map[string]string, reg *region.Region, f *region.Fund, lang i18n.Lang) fundForm {
	discipline, area := hostTerms(reg, f)
	n := &fundNotes{lang: lang}
	n.about(reg, f)
	n.add("spend-categories", list(f.SpendCategories))
	n.add("income-sources", list(f.IncomeSources))
	n.add("kpis", map[string]any{"List": kpiNote(reg)})
	var out fundForm
	if f.PlacementActivity {
		n.add("activity", map[string]any{"List": activityCodes()})
	} else {
		out.unused = append(out.unused, "activity")
	}
	if len(f.Assurances) == 0 {
		out.unused = append(out.unused, "assurance")
	} else {
		out.extra = []string{"commentary"}
		var as []string
		for _, a := range f.Assurances {
			as = append(as, a.Code+" ("+a.Name+")")
		}
		n.add("assurances", map[string]any{"Host": f.Host, "List": strings.Join(as, "; ")})
	}
	out.notes = n.notes
	spend := 0
	for _, ex := range example {
		row := maps.Clone(ex)
		switch row["record"] {
		case "spend":
			if spend >= len(f.SpendCategories) {
				continue
			}
			row["category"] = f.SpendCategories[spend]
			spend++
		case "income":
			row["source"] = f.IncomeSources[0]
		case "kpi":
			if len(reg.KPIs) == 0 {
				continue
			}
			row["code"], row["unit"] = reg.KPIs[0].Code, reg.KPIs[0].Unit
		case "activity":
			if !f.PlacementActivity {
				continue
			}
		case "rating":
			for _, a := range f.Assurances {
				out.example = append(out.example, map[string]string{"record": "assurance", "code": a.Code, "value": "yes"})
			}
		}
		if _, line := row["area_code"]; line {
			row["discipline"], row["area_code"] = discipline, area
		}
		out.example = append(out.example, row)
	}
	return out
}

// contributionForFund is the pool contribution in a fund's terms: the
// example's lines in the host's discipline and area, each naming one of
// the fund's funding streams when it has them.
func contributionForFund(example []map[string]string, reg *region.Region, f *region.Fund, lang i18n.Lang) fundForm {
	discipline, area := hostTerms(reg, f)
	n := &fundNotes{lang: lang}
	n.about(reg, f)
	n.add("types", nil)
	if len(f.FundingStreams) > 0 {
		n.add("streams", list(f.FundingStreams))
	} else {
		n.add("no-streams", nil)
	}
	n.add("kpi-plans", map[string]any{"List": kpiNote(reg)})
	out := fundForm{notes: n.notes}
	lines := 0
	for _, ex := range example {
		row := maps.Clone(ex)
		if row["record"] == "line" {
			row["discipline"], row["area_code"] = discipline, area
			if len(f.FundingStreams) > 0 {
				row["funding_stream"] = f.FundingStreams[lines%len(f.FundingStreams)]
			}
			lines++
		}
		out.example = append(out.example, row)
	}
	return out
}
