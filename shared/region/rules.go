package region

import (
	"cmp"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/go-playground/validator/v10"

	"github.com/regional-data-exchange/rdx/shared/i18n"
	"github.com/regional-data-exchange/rdx/shared/jsonx"
	"github.com/regional-data-exchange/rdx/shared/period"
	"github.com/regional-data-exchange/rdx/shared/valid"
)

// Fault is one broken rule of a configuration, at its JSON Pointer.
type Fault struct {
	Pointer string
	Message string
}

// Faults are every fault of a configuration; a region with any never starts.
type Faults []Fault

func (fs Faults) Error() string {
	lines := make([]string, len(fs))
	for i, f := range fs {
		lines[i] = fmt.Sprintf("%s: %s", cmp.Or(f.Pointer, "/"), f.Message)
	}
	if len(fs) == 1 {
		return lines[0]
	}
	return fmt.Sprintf("%d faults:\n\t%s", len(fs), strings.Join(lines, "\n\t"))
}

// The tags this package adds to validator/v10's: the id and code grammars,
// and references that must name something the region configures.
const (
	tagID          = "id"
	tagCode        = "code"
	tagArea        = "area"
	tagPartner     = "partner"
	tagPartnerType = "partner-type"
	tagMember      = "member"      // a fund's host is one of its members every year
	tagUnique      = "unique"      // an id or list item given once
	tagSpan        = "span"        // a membership ends no earlier than it starts
	tagFundYear    = "fund-year"   // a membership starts and ends in years of the fund
	tagOverlap     = "overlap"     // one partner's memberships do not overlap
	tagPooled      = "pooled"      // every year of a fund has at least two members
	tagShareModel  = "share-model" // only a fixed-shares fund gives shares
	tagPercent     = "percent"     // a share is more than 0% and at most 100%, to two decimals
	tagShareSum    = "share-sum"   // a year's shares sum to 100%
)

// rules is the one validator of configurations, built at start.
var rules = newRules()

func newRules() *validator.Validate {
	v := valid.New()
	valid.Must(v.RegisterValidation(tagID, grammar(idPattern)))
	valid.Must(v.RegisterValidation(tagCode, grammar(codePattern)))
	valid.Must(v.RegisterValidation(tagPercent, func(fl validator.FieldLevel) bool {
		_, ok := ParsePercent(fl.Field().String())
		return ok
	}))
	valid.Must(v.RegisterValidation(tagArea, reference(func(r *Region, s string) bool { return r.HasArea(s) })))
	valid.Must(v.RegisterValidation(tagPartner, reference(func(r *Region, s string) bool { _, ok := r.Partner(s); return ok })))
	valid.Must(v.RegisterValidation(tagPartnerType, reference(func(r *Region, s string) bool {
		return slices.ContainsFunc(r.PartnerTypes, func(t PartnerType) bool { return t.ID == s })
	})))
	valid.Must(v.RegisterValidation(tagLanguage, validLanguage))
	valid.Must(v.RegisterValidation(tagCategory, reference(func(r *Region, s string) bool { _, ok := r.Category(s); return ok })))
	valid.Must(v.RegisterValidation(tagRole, reference(func(r *Region, s string) bool { _, ok := r.Role(s); return ok })))
	v.RegisterStructValidation(regionRules, Region{})
	v.RegisterStructValidation(fundRules, Fund{})
	return v
}

// validateRegion applies every rule to r and lists what it breaks.
func validateRegion(r *Region) Faults {
	var ves validator.ValidationErrors
	if err := rules.Struct(r); !errors.As(err, &ves) {
		if err != nil {
			return Faults{{Message: err.Error()}}
		}
		return nil
	}
	out := make(Faults, 0, len(ves))
	for _, fe := range ves {
		out = append(out, Fault{Pointer: valid.Pointer(fe), Message: message(fe)})
	}
	return out
}

// grammar is a tag for an identifier grammar.
func grammar(p pattern) validator.Func {
	return func(fl validator.FieldLevel) bool { return p.match(fl.Field().String()) }
}

// reference is a tag for a value that must name something of the region
// being validated.
func reference(exists func(*Region, string) bool) validator.Func {
	return func(fl validator.FieldLevel) bool {
		r, ok := fl.Top().Interface().(*Region)
		return ok && exists(r, fl.Field().String())
	}
}

// regionRules: every list's ids are distinct, and every name is given in
// each of the region's languages.
func regionRules(sl validator.StructLevel) {
	r := sl.Current().Interface().(Region)
	unique(sl, "languages[%d]", len(r.Languages), func(i int) string { return string(r.Languages[i]) })
	unique(sl, "areas[%d].code", len(r.Areas), func(i int) string { return r.Areas[i].Code })
	unique(sl, "partnerTypes[%d].id", len(r.PartnerTypes), func(i int) string { return r.PartnerTypes[i].ID })
	unique(sl, "partners[%d].id", len(r.Partners), func(i int) string { return r.Partners[i].ID })
	unique(sl, "funds[%d].id", len(r.Funds), func(i int) string { return r.Funds[i].ID })
	unique(sl, "kpis[%d].code", len(r.KPIs), func(i int) string { return r.KPIs[i].Code })
	unique(sl, "categories[%d].id", len(r.Categories), func(i int) string { return r.Categories[i].ID })
	unique(sl, "roles[%d].id", len(r.Roles), func(i int) string { return r.Roles[i].ID })
	nameRules(sl, &r)
}

// fundRules: memberships lie within the fund's years and do not overlap for
// one partner; every year has the host and at least one other member; a
// fixed-shares fund gives every membership a share and each year's shares
// sum to 100%, and no other model has shares; no year, list item,
// assurance or sign-off rule is given twice.
func fundRules(sl validator.StructLevel) {
	f := sl.Current().Interface().(Fund)
	fixed := f.RiskShare == "fixed-shares"
	for i, m := range f.Membership {
		at := func(field string) string { return fmt.Sprintf("members[%d].%s", i, field) }
		if m.From != "" && m.Until != "" && m.from.Start > m.until.Start {
			sl.ReportError(m.Until, at("until"), "Until", tagSpan, m.From)
		}
		for _, end := range []struct{ name, text string }{{"from", m.From}, {"until", m.Until}} {
			if y, err := period.ParseFinancialYear(end.text); err == nil && len(f.years) > 0 && !f.HasYear(y) {
				sl.ReportError(end.text, at(end.name), end.name, tagFundYear, "")
			}
		}
		for j, earlier := range f.Membership[:i] {
			if earlier.Partner == m.Partner && earlier.from.Start <= m.until.Start && m.from.Start <= earlier.until.Start {
				sl.ReportError(m.Partner, at("partner"), "Partner", tagOverlap, strconv.Itoa(j))
				break
			}
		}
		switch {
		case fixed && m.Share == nil:
			sl.ReportError(nil, at("share"), "Share", "required", "")
		case !fixed && m.Share != nil:
			sl.ReportError(m.Share.String(), at("share"), "Share", tagShareModel, f.RiskShare)
		}
	}
	for _, y := range f.years {
		members := f.MembersIn(y)
		if f.Host != "" && !slices.Contains(members, f.Host) {
			sl.ReportError(f.Host, "host", "Host", tagMember, y.String())
		}
		if len(members) < 2 {
			sl.ReportError(strconv.Itoa(len(members)), "members", "Members", tagPooled, y.String())
		}
		if fixed {
			var sum Percent
			for _, p := range members {
				if s, ok := f.ShareOf(p, y); ok {
					sum += s
				}
			}
			if sum != Whole {
				sl.ReportError(sum.String(), "members", "Members", tagShareSum, y.String())
			}
		}
	}
	unique(sl, "financialYears[%d]", len(f.FinancialYears), func(i int) string { return f.FinancialYears[i] })
	unique(sl, "spendCategories[%d]", len(f.SpendCategories), func(i int) string { return f.SpendCategories[i] })
	unique(sl, "incomeSources[%d]", len(f.IncomeSources), func(i int) string { return f.IncomeSources[i] })
	unique(sl, "fundingStreams[%d]", len(f.FundingStreams), func(i int) string { return f.FundingStreams[i] })
	unique(sl, "assurances[%d].code", len(f.Assurances), func(i int) string { return f.Assurances[i].Code })
	unique(sl, "reportSignOffs[%d].partnerType", len(f.ReportSignOffs), func(i int) string { return f.ReportSignOffs[i].PartnerType })
}

// unique reports each of n values (the value at field, a format with the
// item's index) that an earlier item already has.
func unique(sl validator.StructLevel, field string, n int, value func(int) string) {
	first := make(map[string]int, n)
	for i := range n {
		v := value(i)
		if j, seen := first[v]; seen && v != "" {
			name := fmt.Sprintf(field, i)
			sl.ReportError(v, name, name, tagUnique, strconv.Itoa(j))
			continue
		}
		first[v] = i
	}
}

// message says what a failed tag means, of the value that failed it.
func message(fe validator.FieldError) string {
	v := fmt.Sprint(fe.Value())
	switch fe.Tag() {
	case "required":
		return "required"
	case tagID:
		return fmt.Sprintf("%q is not an id (%s)", v, idPattern)
	case tagCode:
		return fmt.Sprintf("%q is not a code (%s)", v, codePattern)
	case "timezone":
		return fmt.Sprintf("%q is not a time zone", v)
	case "oneof":
		return fmt.Sprintf("%q is not one of %s", v, strings.ReplaceAll(fe.Param(), " ", ", "))
	case "min":
		if fe.Kind() == reflect.Slice {
			return fmt.Sprintf("lists at least %s", fe.Param())
		}
		return fmt.Sprintf("%s is less than %s", v, fe.Param())
	case valid.FinancialYear:
		return fmt.Sprintf("%q: %v", v, period.ErrFinancialYear)
	case tagArea:
		return fmt.Sprintf("%q is not an area of the region", v)
	case tagPartner:
		return fmt.Sprintf("%q is not a partner of the region", v)
	case tagPartnerType:
		return fmt.Sprintf("%q is not a partner type of the region", v)
	case tagCategory:
		return fmt.Sprintf("%q is not one of the region's categories", v)
	case tagRole:
		return fmt.Sprintf("%q is not one of the region's roles", v)
	case tagLanguage:
		return fmt.Sprintf("%q is not a language the service answers in (%s)", v, langList(i18n.Langs))
	case tagNameIn:
		return fmt.Sprintf("required: the region's languages include %s, so every name is given in it too", fe.Param())
	case tagUndeclared:
		return fmt.Sprintf("a name in %s, which is not one of the region's languages after its first (%s)", v, fe.Param())
	case tagMember:
		return fmt.Sprintf("the host %q is not a member of the fund in %s", v, fe.Param())
	case tagSpan:
		return fmt.Sprintf("%s is before the membership's first year %s", v, fe.Param())
	case tagFundYear:
		return fmt.Sprintf("%s is not a year of the fund", v)
	case tagOverlap:
		return fmt.Sprintf("%q is already a member in some of these years (item %s)", v, fe.Param())
	case tagPooled:
		return fmt.Sprintf("%s has %s member(s): a pooled fund has at least two every year", fe.Param(), v)
	case tagShareModel:
		return fmt.Sprintf("a share (%s%%) is given, but the fund's risk share is %s, not fixed-shares", v, fe.Param())
	case tagPercent:
		return fmt.Sprintf("a share of %s%% is not more than 0%% and at most 100%%, with at most two decimals", v)
	case tagShareSum:
		return fmt.Sprintf("the members' shares in %s sum to %s%%, not 100%%", fe.Param(), v)
	case tagUnique:
		return fmt.Sprintf("%q is given twice (first as item %s)", v, fe.Param())
	}
	return fmt.Sprintf("%q fails %s", v, fe.Tag())
}

// decodeFaults are what reading the JSON found.
func decodeFaults(problems []jsonx.Problem) Faults {
	out := make(Faults, 0, len(problems))
	for _, p := range problems {
		msg := map[string]string{
			jsonx.UnknownField:   "not a field of a region's configuration",
			jsonx.DuplicateField: "given twice",
			jsonx.TooDeep:        "nested too deeply",
			jsonx.LoneSurrogate:  "holds a lone surrogate escape, which is no character",
		}[p.Kind]
		if msg == "" {
			msg = fmt.Sprintf("expected %s, got %s", p.Want, p.Got)
		}
		out = append(out, Fault{Pointer: p.Pointer, Message: msg})
	}
	return out
}

// ids are used inside storage keys and URLs: keep them to a safe alphabet.
var (
	idPattern   = pattern{desc: "[a-z0-9][a-z0-9-]{0,62}", max: 63, first: lowerDigit, rest: func(c byte) bool { return lowerDigit(c) || c == '-' }}
	codePattern = pattern{desc: "[A-Z0-9]{1,16}", max: 16, first: upperDigit, rest: upperDigit}
)

// pattern is a simple identifier grammar: a first character, then up to
// max-1 more, each from a class.
type pattern struct {
	desc        string
	max         int
	first, rest func(byte) bool
}

func (p pattern) match(s string) bool {
	if s == "" || len(s) > p.max || !p.first(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !p.rest(s[i]) {
			return false
		}
	}
	return true
}

func (p pattern) String() string { return p.desc }

func lowerDigit(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }
func upperDigit(c byte) bool { return c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' }
