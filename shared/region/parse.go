package region

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	"github.com/regional-data-exchange/rdx/shared/jsonx"
)

// Parse reads one region's JSON, refusing unknown fields and wrong types.
//
// It maps the decoded tree by hand rather than through encoding/json's
// reflection, whose first use for these types costs a Lambda cold start a
// quarter of a millisecond; parse_test.go checks both readings agree.
func Parse(data []byte) (*Region, error) {
	v, problems, err := jsonx.Decode(data)
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s at %s", problems[0].Kind, problems[0].Pointer)
	}
	p := &reader{}
	r := &Region{}
	p.object(v, "", map[string]func(any, string){
		"id": p.str(&r.ID), "name": p.str(&r.Name), "country": p.str(&r.Country), "timezone": p.str(&r.Timezone),
		"areas": p.list(func(e any, at string) {
			var a Area
			p.object(e, at, map[string]func(any, string){"code": p.str(&a.Code), "name": p.str(&a.Name)})
			r.Areas = append(r.Areas, a)
		}),
		"partnerTypes": p.list(func(e any, at string) {
			var t PartnerType
			p.object(e, at, map[string]func(any, string){"id": p.str(&t.ID), "name": p.str(&t.Name), "disciplines": p.list(func(d any, at string) {
				var s string
				p.str(&s)(d, at)
				t.Disciplines = append(t.Disciplines, Discipline(s))
			})})
			r.PartnerTypes = append(r.PartnerTypes, t)
		}),
		"partners": p.list(func(e any, at string) {
			var x Partner
			p.object(e, at, map[string]func(any, string){"id": p.str(&x.ID), "name": p.str(&x.Name), "type": p.str(&x.Type),
				"code": p.str(&x.Code), "areas": p.strs(&x.Areas)})
			r.Partners = append(r.Partners, x)
		}),
		"funds": p.list(func(e any, at string) {
			var f Fund
			p.object(e, at, map[string]func(any, string){"id": p.str(&f.ID), "name": p.str(&f.Name), "host": p.str(&f.Host),
				"members": p.strs(&f.Members), "financialYears": p.strs(&f.FinancialYears), "riskShare": p.str(&f.RiskShare)})
			r.Funds = append(r.Funds, f)
		}),
		"kpis": p.list(func(e any, at string) {
			var k KPI
			p.object(e, at, map[string]func(any, string){"code": p.str(&k.Code), "name": p.str(&k.Name), "unit": p.str(&k.Unit)})
			r.KPIs = append(r.KPIs, k)
		}),
		"dueDates": func(e any, at string) {
			p.object(e, at, map[string]func(any, string){
				"quarterlyReturnDaysAfterQuarterEnd":  p.int(&r.DueDates.QuarterlyReturnDaysAfterQuarterEnd),
				"poolContributionDaysBeforeYearStart": p.int(&r.DueDates.PoolContributionDaysBeforeYearStart),
			})
		},
	})
	return r, p.err
}

// reader maps a decoded JSON tree onto the configuration, keeping the first
// fault with where it was.
type reader struct{ err error }

func (p *reader) fail(at, msg string) {
	if p.err == nil {
		p.err = fmt.Errorf("%s: %s", at, msg)
	}
}

// object reads an object whose every field must be one of fields.
func (p *reader) object(v any, at string, fields map[string]func(any, string)) {
	m, ok := v.(map[string]any)
	if !ok {
		p.fail(at, "expected an object")
		return
	}
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	sort.Strings(names) // the first fault reported is the same every time
	for _, name := range names {
		f, known := fields[name]
		if !known {
			p.fail(at, fmt.Sprintf("unknown field %q", name))
			continue
		}
		f(m[name], at+"/"+name)
	}
}

func (p *reader) str(dst *string) func(any, string) {
	return func(v any, at string) {
		s, ok := v.(string)
		if !ok {
			p.fail(at, "expected a string")
		}
		*dst = s
	}
}

func (p *reader) strs(dst *[]string) func(any, string) {
	return p.list(func(v any, at string) {
		var s string
		p.str(&s)(v, at)
		*dst = append(*dst, s)
	})
}

func (p *reader) int(dst *int) func(any, string) {
	return func(v any, at string) {
		n, ok := v.(json.Number)
		i, err := strconv.Atoi(string(n))
		if !ok || err != nil {
			p.fail(at, "expected a whole number")
		}
		*dst = i
	}
}

func (p *reader) list(each func(any, string)) func(any, string) {
	return func(v any, at string) {
		arr, ok := v.([]any)
		if !ok {
			p.fail(at, "expected an array")
			return
		}
		for i, e := range arr {
			each(e, at+"/"+strconv.Itoa(i))
		}
	}
}
