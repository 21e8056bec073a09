package submission

import (
	"slices"
	"strconv"
	"strings"

	"github.com/regional-data-exchange/rdx/shared/region"
)

// A fund may configure assurance statements (the Better Care Fund's
// national conditions) that its host confirms in every quarterly return:
// each met, or not met with a commentary saying why. The host answers for
// the fund, so another member's return carries none.

// assurancesFromHostOnly refuses assurances in a return of a member that
// is not the fund's host.
func assurancesFromHostOnly(c *checker, doc map[string]any) error {
	if f := c.fund(); f != nil && f.Host != c.vc.Partner.ID && doc["assurances"] != nil {
		c.reportIn(ruleAssuranceHostOnly, "/assurances", "finding.assurance-host-only", map[string]any{"Host": f.Host, "Fund": f.ID, "Partner": c.vc.Partner.ID})
	}
	return nil
}

// assurances runs a check of the host's answers only: another member's
// are refused whole by assurancesFromHostOnly.
func assurances(fn func(c *checker, f *region.Fund, answers []map[string]any)) func(*checker, map[string]any) error {
	return func(c *checker, doc map[string]any) error {
		if f := c.fund(); f != nil && f.Host == c.vc.Partner.ID {
			fn(c, f, rows(doc, "assurances"))
		}
		return nil
	}
}

func assuranceCodes(f *region.Fund) []string {
	out := make([]string, len(f.Assurances))
	for i, a := range f.Assurances {
		out[i] = a.Code
	}
	return out
}

func knownAssurances(c *checker, f *region.Fund, answers []map[string]any) {
	codes := assuranceCodes(f)
	for i, row := range answers {
		code, ok := str(row, "code")
		switch {
		case !ok || slices.Contains(codes, code):
		case len(codes) == 0:
			c.reportIn(ruleAssuranceUnknown, at("assurances", i, "code"), "finding.assurance-none", map[string]any{"Fund": f.ID})
		default:
			c.reportIn(ruleAssuranceUnknown, at("assurances", i, "code"), "finding.assurance-unknown", map[string]any{"Value": strconv.Quote(code), "Fund": f.ID, "Allowed": strings.Join(codes, ", ")})
		}
	}
}

func assurancesOnce(c *checker, _ *region.Fund, answers []map[string]any) {
	first := map[string]int{}
	for i, row := range answers {
		code, ok := str(row, "code")
		if !ok {
			continue
		}
		if j, dup := first[code]; dup {
			c.reportIn(ruleAssuranceDuplicate, at("assurances", i, "code"), "finding.assurance-duplicate", map[string]any{"Code": code, "Index": j})
			continue
		}
		first[code] = i
	}
}

// everyAssuranceAnswered reports each of the fund's assurances the host's
// return leaves unanswered, at /assurances (the list, or where it belongs).
// A row without a known code may be the answer mistyped: then none is
// claimed missing, only that row is reported.
func everyAssuranceAnswered(c *checker, f *region.Fund, answers []map[string]any) {
	if c.failed("/assurances") {
		return // the list itself is refused (wrong type, too long): not read
	}
	codes := assuranceCodes(f)
	answered := map[string]bool{}
	for _, row := range answers {
		code, ok := str(row, "code")
		if !ok || !slices.Contains(codes, code) {
			return
		}
		answered[code] = true
	}
	for _, a := range f.Assurances {
		if !answered[a.Code] {
			c.reportIn(ruleAssuranceMissing, "/assurances", "finding.assurance-missing", map[string]any{"Code": a.Code, "Name": a.Words()})
		}
	}
}

func unmetExplained(c *checker, _ *region.Fund, answers []map[string]any) {
	for i, row := range answers {
		met, ok := row["met"].(bool)
		ptr := at("assurances", i, "commentary")
		if _, has := row["commentary"]; ok && !met && !has && !c.failed(ptr) {
			code, _ := str(row, "code")
			c.reportIn(ruleAssuranceCommentary, ptr, "finding.assurance-commentary", map[string]any{"Code": code})
		}
	}
}
