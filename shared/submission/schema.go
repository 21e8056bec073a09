package submission

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/regional-data-exchange/rdx/shared/jsonx"
	"github.com/regional-data-exchange/rdx/shared/money"
	"github.com/regional-data-exchange/rdx/shared/period"
)

// A fieldType checks one decoded JSON value and returns its normalised form:
// money as money.Pence, decimals as money.Decimal, whole numbers as int64,
// text trimmed. A nil result means "absent" (an optional value left out).
type fieldType interface {
	norm(c *checker, ptr string, v any) any
	rules() []*Rule
}

type field struct {
	name     string
	typ      fieldType
	optional bool
}

func req(name string, t fieldType) field { return field{name: name, typ: t} }
func opt(name string, t fieldType) field { return field{name: name, typ: t, optional: true} }

// object is a JSON object with a fixed set of fields.
type object struct{ fields []field }

func (o object) rules() []*Rule {
	return []*Rule{ruleWrongType, ruleUnknownField, ruleRequired, ruleDuplicateField, ruleTooDeep, ruleLoneSurrogate}
}

func (o object) norm(c *checker, ptr string, v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		c.wrongType(ptr, "an object", v)
		return nil
	}
	out := make(map[string]any, len(o.fields))
	known := make(map[string]bool, len(o.fields))
	for _, f := range o.fields {
		known[f.name] = true
		child := ptr + "/" + f.name
		val, present := m[f.name]
		if kf, isKey := f.typ.(keyField); isKey {
			kf.check(c, child, val, present)
			out[f.name] = c.keyValue(f.name)
			continue
		}
		if !present || val == nil {
			if !f.optional {
				c.reportIn(ruleRequired, child, "finding.required", map[string]any{"Name": f.name})
			}
			continue
		}
		if nv := f.typ.norm(c, child, val); nv != nil {
			out[f.name] = nv
		}
	}
	var unknown []string
	for name := range m {
		if !known[name] {
			unknown = append(unknown, name)
		}
	}
	sort.Strings(unknown)
	for _, name := range unknown {
		c.reportIn(ruleUnknownField, ptr+"/"+jsonx.EscapePointer(name), "finding.unknown-field", map[string]any{"Name": strconv.Quote(name)})
	}
	return out
}

// list is a JSON array of one element type, with bounds on its length.
type list struct {
	elem     fieldType
	min, max int
}

func (l list) rules() []*Rule {
	rs := []*Rule{ruleWrongType, ruleListLong}
	if l.min > 0 {
		rs = append(rs, ruleListShort)
	}
	return rs
}

func (l list) norm(c *checker, ptr string, v any) any {
	arr, ok := v.([]any)
	if !ok {
		c.wrongType(ptr, "an array", v)
		return nil
	}
	if len(arr) > l.max {
		// Bounded work: a list over its limit is not examined item by item.
		c.reportIn(ruleListLong, ptr, "finding.list-too-long", map[string]any{"Max": l.max, "Got": len(arr)})
		return nil
	}
	if len(arr) < l.min {
		c.reportIn(ruleListShort, ptr, "finding.list-too-short", map[string]any{"Count": l.min})
	}
	if len(arr) == 0 {
		return nil // an empty optional list is the same as none
	}
	out := make([]any, len(arr))
	for i, e := range arr {
		out[i] = l.elem.norm(c, ptr+"/"+strconv.Itoa(i), e)
	}
	return out
}

// text is a trimmed UTF-8 string of bounded length (in characters).
type text struct{ min, max int }

func (t text) rules() []*Rule {
	rs := []*Rule{ruleWrongType, ruleTextLong, ruleTextControl}
	if t.min > 0 {
		rs = append(rs, ruleTextEmpty)
	}
	return rs
}

func (t text) norm(c *checker, ptr string, v any) any {
	s, ok := v.(string)
	if !ok {
		c.wrongType(ptr, "a string", v)
		return nil
	}
	// Line endings from Windows systems are newlines, not control characters.
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	bad := false
	if strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }) {
		c.reportIn(ruleTextControl, ptr, "finding.text-control", nil)
		bad = true
	}
	if n := utf8.RuneCountInString(s); n > t.max {
		c.reportIn(ruleTextLong, ptr, "finding.text-too-long", map[string]any{"Max": t.max, "Got": n})
		bad = true
	}
	if s == "" && t.min > 0 {
		c.reportIn(ruleTextEmpty, ptr, ruleTextEmpty.MessageID(), nil)
		return nil
	}
	if bad || s == "" {
		return nil
	}
	return s
}

// sign constrains an amount of money.
type sign int

const (
	anySign sign = iota
	nonNegative
	positive
)

type moneyType struct{ sign sign }

func (m moneyType) rules() []*Rule {
	rs := []*Rule{ruleWrongType, ruleMoneyInvalid, ruleMoneyExponent, ruleMoneyDecimals, ruleMoneyLarge}
	switch m.sign {
	case nonNegative:
		rs = append(rs, ruleMoneyNegative)
	case positive:
		rs = append(rs, ruleMoneyPositive)
	}
	return rs
}

func (m moneyType) norm(c *checker, ptr string, v any) any {
	s, ok := numberText(v)
	if !ok {
		c.wrongType(ptr, "a number or a string of pounds", v)
		return nil
	}
	p, err := money.Parse(s)
	switch {
	case errors.Is(err, money.ErrExponent):
		c.reportIn(ruleMoneyExponent, ptr, "finding.money-exponent", map[string]any{"Value": strconv.Quote(s)})
	case errors.Is(err, money.ErrTooPrecise):
		c.reportIn(ruleMoneyDecimals, ptr, "finding.money-decimals", map[string]any{"Value": strconv.Quote(s)})
	case errors.Is(err, money.ErrTooLarge):
		c.reportIn(ruleMoneyLarge, ptr, "finding.money-too-large", map[string]any{"Value": strconv.Quote(s)})
	case err != nil:
		c.reportIn(ruleMoneyInvalid, ptr, "finding.money-invalid", map[string]any{"Value": strconv.Quote(s)})
	case m.sign == nonNegative && p < 0:
		c.reportIn(ruleMoneyNegative, ptr, "finding.money-negative", map[string]any{"Amount": p.String()})
	case m.sign == positive && p <= 0:
		c.reportIn(ruleMoneyPositive, ptr, "finding.money-not-positive", map[string]any{"Amount": p.String()})
	default:
		return p
	}
	return nil
}

// numberText is the text of a JSON number, or of a string standing for one.
func numberText(v any) (string, bool) {
	switch x := v.(type) {
	case json.Number:
		return string(x), true
	case string:
		return x, true
	}
	return "", false
}

type decimalType struct{}

func (decimalType) rules() []*Rule {
	return []*Rule{ruleWrongType, ruleDecimalInvalid, ruleDecimalPlaces, ruleDecimalLarge}
}

func (decimalType) norm(c *checker, ptr string, v any) any {
	s, ok := numberText(v)
	if !ok {
		c.wrongType(ptr, "a number or a string of digits", v)
		return nil
	}
	d, err := money.ParseDecimal(s)
	switch {
	case errors.Is(err, money.ErrDecimalTooPrecise):
		c.reportIn(ruleDecimalPlaces, ptr, "finding.decimal-places", map[string]any{"Value": strconv.Quote(s)})
	case errors.Is(err, money.ErrDecimalTooLarge):
		c.reportIn(ruleDecimalLarge, ptr, "finding.decimal-too-large", map[string]any{"Value": strconv.Quote(s)})
	case err != nil:
		c.reportIn(ruleDecimalInvalid, ptr, "finding.decimal-invalid", map[string]any{"Value": strconv.Quote(s)})
	default:
		return d
	}
	return nil
}

// maxSafeInteger is the largest whole number every JSON reader holds exactly.
const maxSafeInteger = 1<<53 - 1

// wholeNumber reads a JSON number written as a whole number.
func wholeNumber(v any) (int64, bool, bool) {
	n, isNum := v.(json.Number)
	if !isNum {
		return 0, false, false
	}
	i, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil || i > maxSafeInteger || i < -maxSafeInteger {
		return 0, true, false
	}
	return i, true, true
}

type countType struct{}

func (countType) rules() []*Rule { return []*Rule{ruleWrongType, ruleCountInvalid} }

func (countType) norm(c *checker, ptr string, v any) any {
	i, isNum, ok := wholeNumber(v)
	if !isNum {
		c.wrongType(ptr, "a whole number", v)
		return nil
	}
	if !ok || i < 0 {
		c.add(numberFinding(ruleCountInvalid, ptr, fmt.Sprint(v)))
		return nil
	}
	return i
}

type integerType struct{}

func (integerType) rules() []*Rule { return []*Rule{ruleWrongType, ruleIntegerInvalid} }

func (integerType) norm(c *checker, ptr string, v any) any {
	i, isNum, ok := wholeNumber(v)
	if !isNum {
		c.wrongType(ptr, "a whole number", v)
		return nil
	}
	if !ok {
		c.reportIn(ruleIntegerInvalid, ptr, "finding.integer-invalid", map[string]any{"Value": fmt.Sprint(v)})
		return nil
	}
	return i
}

type boolType struct{}

func (boolType) rules() []*Rule { return []*Rule{ruleWrongType} }

func (boolType) norm(c *checker, ptr string, v any) any {
	b, ok := v.(bool)
	if !ok {
		c.wrongType(ptr, "true or false", v)
		return nil
	}
	return b
}

// enum is a string from a fixed list, with its own rule code.
type enum struct {
	rule   *Rule
	values []string
}

func (e enum) rules() []*Rule { return []*Rule{ruleWrongType, e.rule} }

func (e enum) norm(c *checker, ptr string, v any) any {
	s, ok := v.(string)
	if !ok {
		c.wrongType(ptr, "a string", v)
		return nil
	}
	for _, want := range e.values {
		if s == want {
			return s
		}
	}
	c.reportIn(e.rule, ptr, "finding.not-one-of", map[string]any{"Value": strconv.Quote(s), "Allowed": strings.Join(e.values, ", ")})
	return nil
}

// parsed is a string with a grammar (a period or a date), kept as written.
type parsed struct {
	rule *Rule
	// id is the finding's message, which names the value.
	id    string
	parse func(string) error
}

func (p parsed) rules() []*Rule { return []*Rule{ruleWrongType, p.rule} }

func (p parsed) norm(c *checker, ptr string, v any) any {
	s, ok := v.(string)
	if !ok {
		c.wrongType(ptr, "a string", v)
		return nil
	}
	if err := p.parse(s); err != nil {
		c.reportIn(p.rule, ptr, p.id, map[string]any{"Value": strconv.Quote(s)})
		return nil
	}
	return s
}

var (
	financialYearType = parsed{ruleFinancialYear, "finding.financial-year-invalid", func(s string) error { _, err := period.ParseFinancialYear(s); return err }}
	quarterType       = parsed{ruleQuarter, "finding.quarter-invalid", func(s string) error { _, err := period.ParseQuarter(s); return err }}
	dateType          = parsed{ruleDate, "finding.date-invalid", func(s string) error { _, err := period.ParseDate(s); return err }}
)

type assessmentYearType struct{}

func (assessmentYearType) rules() []*Rule { return []*Rule{ruleWrongType, ruleAssessmentYear} }

func (assessmentYearType) norm(c *checker, ptr string, v any) any {
	i, isNum, ok := wholeNumber(v)
	if !isNum {
		c.wrongType(ptr, "a whole number", v)
		return nil
	}
	if !ok || i < 2000 || i > 2100 {
		c.add(numberFinding(ruleAssessmentYear, ptr, fmt.Sprint(v)))
		return nil
	}
	return i
}

// areaType is an area code of the caller's region.
type areaType struct{}

func (areaType) rules() []*Rule { return []*Rule{ruleWrongType, ruleAreaUnknown} }

func (areaType) norm(c *checker, ptr string, v any) any {
	s, ok := v.(string)
	if !ok {
		c.wrongType(ptr, "a string", v)
		return nil
	}
	if !c.vc.Region.HasArea(s) {
		c.reportIn(ruleAreaUnknown, ptr, "finding.area-unknown", map[string]any{"Value": strconv.Quote(s), "Region": c.vc.Region.ID})
		return nil
	}
	return s
}

// kpiType is a code of the region's KPI catalogue.
type kpiType struct{}

func (kpiType) rules() []*Rule { return []*Rule{ruleWrongType, ruleKPIUnknown} }

func (kpiType) norm(c *checker, ptr string, v any) any {
	s, ok := v.(string)
	if !ok {
		c.wrongType(ptr, "a string", v)
		return nil
	}
	if !c.vc.Region.HasKPI(s) {
		c.reportIn(ruleKPIUnknown, ptr, "finding.kpi-unknown", map[string]any{"Value": strconv.Quote(s), "Region": c.vc.Region.ID})
		return nil
	}
	return s
}

// keyField is a key field: it comes from the path, and when the body repeats
// it the two must agree.
type keyField struct{ typ fieldType }

func (k keyField) rules() []*Rule { return append(k.typ.rules(), ruleKeyMismatch) }

func (k keyField) norm(*checker, string, any) any { panic("keyField is normalised by its object") }

func (k keyField) check(c *checker, ptr string, v any, present bool) {
	name := ptr[strings.LastIndex(ptr, "/")+1:]
	if !present || v == nil || c.vc.BadParams[name] {
		return
	}
	got := k.typ.norm(c, ptr, v)
	if got != nil && got != c.keyValue(name) {
		c.reportIn(ruleKeyMismatch, ptr, "finding.key-mismatch", map[string]any{"Body": fmt.Sprint(got), "Path": fmt.Sprint(c.keyValue(name))})
	}
}

// walkRules visits every (rule, field pattern) a schema can emit; array
// indexes appear as "*".
func walkRules(t fieldType, ptr string, visit func(*Rule, string)) {
	for _, r := range t.rules() {
		visit(r, ptr) // "" is the whole body (RFC 6901)
	}
	switch x := t.(type) {
	case object:
		for _, f := range x.fields {
			walkRules(f.typ, ptr+"/"+f.name, visit)
		}
	case list:
		walkRules(x.elem, ptr+"/*", visit)
	}
}
