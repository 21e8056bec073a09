package region

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/go-playground/validator/v10"

	"github.com/regional-data-exchange/rdx/shared/i18n"
)

// Names are a thing's names in the region's languages after its first, by
// language: "names": {"cy": "Cyngor Sir Gâr"} beside "name", which is in the
// first. A region gives every name in every language it declares, and none in
// a language it does not.
type Names map[i18n.Lang]string

// in is the name in lang: the one Names gives, else own (the region's first
// language's).
func (n Names) in(lang i18n.Lang, own string) string {
	return i18n.Words{Own: own, In: n}.For(lang)
}

// Term is a word a region's funds use by id (a category, a role) and its
// names.
type Term struct {
	ID    string `json:"id" validate:"id"`
	Name  string `json:"name" validate:"required"`
	Names Names  `json:"names,omitempty"`
}

// NameIn is the region's name in lang, where the region has one; else its own.
func (r *Region) NameIn(lang i18n.Lang) string { return r.Names.in(lang, r.Name) }

// NameIn is the area's name in lang, where the region has one; else its own.
func (a Area) NameIn(lang i18n.Lang) string { return a.Names.in(lang, a.Name) }

// NameIn is the partner type's name in lang, where the region has one; else its own.
func (t PartnerType) NameIn(lang i18n.Lang) string { return t.Names.in(lang, t.Name) }

// NameIn is the partner's name in lang, where the region has one; else its own.
func (p *Partner) NameIn(lang i18n.Lang) string { return p.Names.in(lang, p.Name) }

// NameIn is the fund's name in lang, where the region has one; else its own.
func (f *Fund) NameIn(lang i18n.Lang) string { return f.Names.in(lang, f.Name) }

// ApprovedByIn is the fund's approving board's name in lang, where the
// region has one; else its own.
func (f *Fund) ApprovedByIn(lang i18n.Lang) string {
	return f.ApprovedByNames.in(lang, f.ApprovedBy)
}

// NameIn is the KPI's name in lang, where the region has one; else its own.
func (k KPI) NameIn(lang i18n.Lang) string { return k.Names.in(lang, k.Name) }

// NameIn is the assurance's name in lang, where the region has one; else its own.
func (a Assurance) NameIn(lang i18n.Lang) string { return a.Names.in(lang, a.Name) }

// Words is the assurance's name in every language the region gives it, for a
// message that names it in the language it is shown in.
func (a Assurance) Words() i18n.Words { return i18n.Words{Own: a.Name, In: a.Names} }

// NameIn is the term's name in lang, where the region has one; else its own.
func (t Term) NameIn(lang i18n.Lang) string { return t.Names.in(lang, t.Name) }

// In is the region as a person reads it in lang: every name in lang where
// the region gives it, else in the region's first language; ids, codes and
// everything else as configured, and no Names (the names are the names).
// Built once per language when the region is checked.
func (r *Region) In(lang i18n.Lang) *Region {
	if v, ok := r.views[lang]; ok {
		return v
	}
	return r.localise(lang)
}

// localise builds In(lang): a copy whose named things are copies, so that
// the configuration itself never changes.
func (r *Region) localise(lang i18n.Lang) *Region {
	c := *r
	c.views = nil
	c.Areas, c.PartnerTypes, c.Partners = slices.Clone(r.Areas), slices.Clone(r.PartnerTypes), slices.Clone(r.Partners)
	c.Funds, c.KPIs, c.Categories, c.Roles = slices.Clone(r.Funds), slices.Clone(r.KPIs), slices.Clone(r.Categories), slices.Clone(r.Roles)
	for i := range c.Funds {
		c.Funds[i].Assurances = slices.Clone(c.Funds[i].Assurances)
	}
	for _, n := range c.named() {
		*n.name, *n.names = n.names.in(lang, *n.name), nil
	}
	return &c
}

// named is one name the region gives: where it is (a validator field name
// with its trailing dot, "" for the region's own), the field its other
// languages are in, and the name and names themselves.
type named struct {
	at, field string
	name      *string
	names     *Names
}

// named lists every name the region gives, in file order.
func (r *Region) named() []named {
	out := []named{{"", "names", &r.Name, &r.Names}}
	out = append(out, namesOf("areas", r.Areas, func(a *Area) (*string, *Names) { return &a.Name, &a.Names })...)
	out = append(out, namesOf("partnerTypes", r.PartnerTypes, func(t *PartnerType) (*string, *Names) { return &t.Name, &t.Names })...)
	out = append(out, namesOf("partners", r.Partners, func(p *Partner) (*string, *Names) { return &p.Name, &p.Names })...)
	for i := range r.Funds {
		f := &r.Funds[i]
		at := fmt.Sprintf("funds[%d].", i)
		out = append(out, named{at, "names", &f.Name, &f.Names}, named{at, "approvedByNames", &f.ApprovedBy, &f.ApprovedByNames})
		out = append(out, namesOf(at+"assurances", f.Assurances, func(a *Assurance) (*string, *Names) { return &a.Name, &a.Names })...)
	}
	out = append(out, namesOf("kpis", r.KPIs, func(k *KPI) (*string, *Names) { return &k.Name, &k.Names })...)
	term := func(t *Term) (*string, *Names) { return &t.Name, &t.Names }
	out = append(out, namesOf("categories", r.Categories, term)...)
	return append(out, namesOf("roles", r.Roles, term)...)
}

// namesOf is the name of each item of a list, by the item's name fields.
func namesOf[T any](list string, items []T, fields func(*T) (*string, *Names)) []named {
	out := make([]named, len(items))
	for i := range items {
		name, names := fields(&items[i])
		out[i] = named{fmt.Sprintf("%s[%d].", list, i), "names", name, names}
	}
	return out
}

// Category finds one of the region's categories by id.
func (r *Region) Category(id string) (Term, bool) { return term(r.Categories, id) }

// Role finds one of the region's roles by id.
func (r *Region) Role(id string) (Term, bool) { return term(r.Roles, id) }

func term(ts []Term, id string) (Term, bool) {
	i := slices.IndexFunc(ts, func(t Term) bool { return t.ID == id })
	if i < 0 {
		return Term{}, false
	}
	return ts[i], true
}

// The tags of the rules on names.
const (
	tagLanguage   = "language"   // a language the service answers in
	tagNameIn     = "name-in"    // a name in each of the region's other languages
	tagUndeclared = "undeclared" // no name in a language the region does not declare
	tagCategory   = "category"   // one of the region's categories
	tagRole       = "role"       // one of the region's roles
)

// validLanguage is the language tag: one the service answers in.
func validLanguage(fl validator.FieldLevel) bool {
	return slices.Contains(i18n.Langs, i18n.Lang(fl.Field().String()))
}

// nameRules: every name is given in each of the region's languages after its
// first, and in no other language.
func nameRules(sl validator.StructLevel, r *Region) {
	if len(r.Languages) == 0 {
		return // the languages' own rule says so
	}
	others := r.Languages[1:]
	for _, n := range r.named() {
		for _, l := range others {
			if strings.TrimSpace((*n.names)[l]) == "" {
				field := fmt.Sprintf("%s%s[%s]", n.at, n.field, l)
				sl.ReportError((*n.names)[l], field, field, tagNameIn, string(l))
			}
		}
		for _, l := range slices.Sorted(maps.Keys(*n.names)) {
			if !slices.Contains(others, l) {
				field := fmt.Sprintf("%s%s[%s]", n.at, n.field, l)
				sl.ReportError(string(l), field, field, tagUndeclared, langList(others))
			}
		}
	}
}

func langList(ls []i18n.Lang) string {
	if len(ls) == 0 {
		return "none"
	}
	s := make([]string, len(ls))
	for i, l := range ls {
		s[i] = string(l)
	}
	return strings.Join(s, ", ")
}
