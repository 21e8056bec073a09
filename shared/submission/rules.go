package submission

import (
	"slices"
	"sort"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/i18n"
)

// Severity says whether a rule rejects a submission or only warns.
type Severity string

// The severities.
const (
	SevError   Severity = "error"
	SevWarning Severity = "warning"
)

// Rule is one rule of the data dictionary, with a stable code partners' systems
// act on. Which kinds and fields it applies to is derived from the schemas and
// checks that use it, so the published catalogue is what the validator runs.
// Its message, in English and in Welsh, is rule.<code> in the message
// catalogues (shared/i18n/locales).
type Rule struct {
	Code     string
	Severity Severity
}

// MessageID is the rule's message in the catalogues.
func (r *Rule) MessageID() string { return "rule." + r.Code }

// Text is the rule's message in lang.
func (r *Rule) Text(lang i18n.Lang) string { return i18n.Text(lang, r.MessageID(), nil) }

// FieldError is a field error of the rule with its message, in the request's
// language when shown; the caller names its place.
func (r *Rule) FieldError() apperr.FieldError {
	return apperr.FieldError{Code: r.Code}.Localize(r.MessageID(), nil)
}

// ParamError is the 422 of a path or query parameter that breaks the rule,
// its message the catalogue's id with data filled in.
func (r *Rule) ParamError(param, id string, data map[string]any) error {
	return apperr.Validation([]apperr.FieldError{apperr.Field(r.Code, id, data).AtParameter(param)})
}

var allRules []*Rule

func rule(sev Severity, code string) *Rule {
	r := &Rule{Code: code, Severity: sev}
	allRules = append(allRules, r)
	return r
}

// Structural and type rules: emitted by the schema walk.
var (
	ruleUnknownField   = rule(SevError, "body.unknown-field")
	ruleDuplicateField = rule(SevError, "body.duplicate-field")
	ruleTooDeep        = rule(SevError, "body.too-deep")
	ruleLoneSurrogate  = rule(SevError, "body.lone-surrogate")
	ruleWrongType      = rule(SevError, "body.wrong-type")
	ruleRequired       = rule(SevError, "field.required")
	ruleListShort      = rule(SevError, "list.too-short")
	ruleListLong       = rule(SevError, "list.too-long")
	ruleTextEmpty      = rule(SevError, "text.empty")
	ruleTextLong       = rule(SevError, "text.too-long")
	ruleTextControl    = rule(SevError, "text.control-characters")
	ruleMoneyInvalid   = rule(SevError, "money.invalid")
	ruleMoneyExponent  = rule(SevError, "money.exponent")
	ruleMoneyDecimals  = rule(SevError, "money.too-many-decimals")
	ruleMoneyLarge     = rule(SevError, "money.too-large")
	ruleMoneyNegative  = rule(SevError, "money.negative")
	ruleMoneyPositive  = rule(SevError, "money.not-positive")
	ruleDecimalInvalid = rule(SevError, "decimal.invalid")
	ruleDecimalPlaces  = rule(SevError, "decimal.too-many-decimals")
	ruleDecimalLarge   = rule(SevError, "decimal.too-large")
	ruleCountInvalid   = rule(SevError, "count.invalid")
	ruleIntegerInvalid = rule(SevError, "integer.invalid")
	ruleFinancialYear  = rule(SevError, "financial-year.invalid")
	ruleQuarter        = rule(SevError, "quarter.invalid")
	ruleAssessmentYear = rule(SevError, "assessment-year.invalid")
	ruleDate           = rule(SevError, "date.invalid")
	ruleAreaUnknown    = rule(SevError, "area.unknown")
	ruleKeyMismatch    = rule(SevError, "key.mismatch")
	ruleKPIUnknown     = rule(SevError, "kpi.unknown-code")
)

// Enumerations, each with its own code.
var (
	ruleDiscipline       = rule(SevError, "discipline.invalid")
	ruleCareCategory     = rule(SevError, "care-category.invalid")
	ruleAgeBand          = rule(SevError, "age-band.invalid")
	ruleSex              = rule(SevError, "sex.invalid")
	ruleNeedGroup        = rule(SevError, "need-group.invalid")
	ruleContributionType = rule(SevError, "contribution-type.invalid")
	ruleRiskRating       = rule(SevError, "risk-rating.invalid")
	RuleRegionUnknown    = requestRule("region.unknown", "region")
	ruleExportFormat     = requestRule("export.format-invalid", "format")
	ruleUploadPurpose    = requestRule("upload.purpose-invalid", "purpose")
	ruleUploadSHA256     = requestRule("upload.sha256-invalid", "sha256")
	RuleUploadSize       = requestRule("upload.size-invalid", "sizeBytes")
)

// Region, partner and fund rules.
var (
	ruleFundNotMemberInYear  = rule(SevError, "fund.not-member-in-year")
	ruleAreaNotServed        = rule(SevError, "partner.area-not-served")
	ruleDisciplineNotAllowed = rule(SevError, "partner.discipline-not-allowed")
	ruleFundUnknown          = rule(SevError, "fund.unknown")
	ruleFundNotMember        = rule(SevError, "fund.not-member")
	ruleYearOutsideFund      = rule(SevError, "financial-year.outside-fund-years")
	ruleQuarterOutsideFund   = rule(SevError, "quarter.outside-fund-years")
)

// The fund's own lists (its configuration in GET /v1/regions/{region}):
// which values pass depends on the fund the key names.
var (
	ruleSpendCategory         = rule(SevError, "spend-category.invalid")
	ruleIncomeSource          = rule(SevError, "income-source.invalid")
	ruleFundingStream         = rule(SevError, "funding-stream.invalid")
	ruleFundingStreamRequired = rule(SevError, "funding-stream.required")
	ruleActivityRequired      = rule(SevError, "activity.required")
	ruleFundingStreamNotUsed  = rule(SevError, "funding-stream.not-used")
	ruleAssuranceHostOnly     = rule(SevError, "assurance.host-only")
	ruleAssuranceUnknown      = rule(SevError, "assurance.unknown-code")
	ruleAssuranceDuplicate    = rule(SevError, "assurance.duplicate-code")
	ruleAssuranceMissing      = rule(SevError, "assurance.missing")
	ruleAssuranceCommentary   = rule(SevError, "assurance.commentary-required")
)

// Kind-specific rules.
var (
	rulePopulationDuplicate = rule(SevError, "population.duplicate-row")
	rulePopulationYear      = rule(SevError, "population.year-out-of-range")
	ruleNeedsDuplicate      = rule(SevError, "needs.duplicate-row")
	ruleNeedsOverPopulation = rule(SevWarning, "needs.exceeds-population")
	ruleSexTotal            = rule(SevWarning, "population.sex-total-mismatch")

	ruleCareHomeDuplicate = rule(SevError, "care-homes.duplicate-category")
	ruleCareHomeBeds      = rule(SevError, "care-homes.beds-exceeded")
	ruleCareHomeFunding   = rule(SevError, "care-homes.funding-exceeds-occupied")
	ruleCareHomeFeeOrder  = rule(SevError, "care-homes.fee-order")
	ruleDocumentUpload    = rule(SevError, "document.unavailable")
	ruleLowOccupancy      = rule(SevWarning, "care-homes.low-occupancy")
	ruleFeeRange          = rule(SevWarning, "care-homes.fee-outside-range")

	ruleSpendDuplicate   = rule(SevError, "spend.duplicate-line")
	ruleIncomeDuplicate  = rule(SevError, "income.duplicate-line")
	ruleKPIDuplicate     = rule(SevError, "kpi.duplicate-code")
	ruleKPIPlanDuplicate = rule(SevError, "kpi-plan.duplicate")
	ruleKPIPlanQuarter   = rule(SevError, "kpi-plan.quarter-outside-year")
	ruleRedCommentary    = rule(SevError, "commentary.required-when-red")
	ruleFinalNotQ4       = rule(SevError, "final.not-q4")
	ruleForecastBelow    = rule(SevWarning, "forecast.below-actual")
	ruleActualDecreased  = rule(SevWarning, "actual.decreased")
)

// wholeDocument are the rules whose finding on part of a document can be
// false: a field, list item or answer that the rows left out would have
// given, and totals across rows. Of a partial document (the rows of a CSV
// upload that passed, when others did not) only the other rules are judged.
var wholeDocument = []*Rule{ruleRequired, ruleListShort, ruleNeedsOverPopulation, ruleSexTotal, ruleRedCommentary, ruleAssuranceMissing}

// NeedsWholeDocument reports a rule that only a whole document can judge.
func NeedsWholeDocument(code string) bool {
	return slices.ContainsFunc(wholeDocument, func(r *Rule) bool { return r.Code == code })
}

// CatalogueEntry is one rule as GET /v1/rules publishes it.
type CatalogueEntry struct {
	Code     string   `json:"code"`
	Severity Severity `json:"severity"`
	Kinds    []Kind   `json:"kinds"`
	Fields   []string `json:"fields"`
	Message  string   `json:"message"`
}

// Catalogue lists every rule with the kinds and fields it applies to, derived
// from the schemas and checks the validator runs, in English.
func Catalogue() []CatalogueEntry { return CatalogueIn(i18n.English) }

// CatalogueIn is the Catalogue with its messages in lang.
func CatalogueIn(lang i18n.Lang) []CatalogueEntry {
	uses := map[*Rule]*CatalogueEntry{}
	add := func(r *Rule, k Kind, field string) {
		e := uses[r]
		if e == nil {
			e = &CatalogueEntry{Code: r.Code, Severity: r.Severity, Message: r.Text(lang)}
			uses[r] = e
		}
		if !slices.Contains(e.Kinds, k) {
			e.Kinds = append(e.Kinds, k)
		}
		if !slices.Contains(e.Fields, field) {
			e.Fields = append(e.Fields, field)
		}
	}
	for _, k := range Kinds {
		spec := specs()[k]
		walkRules(spec.schema, "", func(r *Rule, field string) { add(r, k, field) })
		for _, x := range spec.checks {
			for _, f := range x.fields {
				add(x.rule, k, f)
			}
		}
		for _, pr := range keyRules(k) {
			add(pr.rule, k, pr.field)
		}
		for _, fr := range filterRules(k) {
			add(fr.rule, k, fr.field)
		}
		for _, rr := range requestRules {
			add(rr.rule, k, rr.field)
		}
	}
	out := make([]CatalogueEntry, 0, len(allRules))
	for _, r := range allRules {
		if e := uses[r]; e != nil {
			sort.Strings(e.Fields)
			out = append(out, *e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// Request rules: codes for the parts of a request around the document
// (headers, query parameters). They apply to every kind.
var requestRules []struct {
	rule  *Rule
	field string
}

func requestRule(code, field string) *Rule {
	r := rule(SevError, code)
	requestRules = append(requestRules, struct {
		rule  *Rule
		field string
	}{r, field})
	return r
}

// Request rules, exported for the service and the HTTP layer.
var (
	RuleIfMatchInvalid   = requestRule("if-match.invalid", "If-Match")
	RuleIdemKeyInvalid   = requestRule("idempotency-key.invalid", "Idempotency-Key")
	RuleIdemKeyReused    = requestRule("idempotency-key.reused", "Idempotency-Key")
	RuleCursorInvalid    = requestRule("cursor.invalid", "cursor")
	RuleLimitInvalid     = requestRule("limit.invalid", "limit")
	RuleUnknownParameter = requestRule("query.unknown-parameter", "query")
	RuleParameterInvalid = requestRule("query.invalid", "query")
	RuleVersionInvalid   = requestRule("version.invalid", "version")
	RuleParamRequired    = requestRule("query.required", "query")
	RulePeriodInvalid    = requestRule("period.invalid", "period")
	RulePeriodOutside    = requestRule("period.outside-fund-years", "period")
	RuleIfMatchRequired  = requestRule("if-match.required", "If-Match")
	RuleReasonRequired   = requestRule("reason.required", "reason")
	RuleTimeInvalid      = requestRule("time.invalid", "query")
	RuleStatusInvalid    = requestRule("status.invalid", "status")
)

// Token rules: why a token the issuer signed is still refused (401), named
// against the Authorization header. Package auth reports them.
func init() {
	for _, r := range auth.TokenRules {
		requestRule(r.Code, "Authorization")
	}
}

// Rules the region's views reuse for their query parameters.
var (
	RuleFinancialYear  = ruleFinancialYear
	RuleQuarter        = ruleQuarter
	RuleAssessmentYear = ruleAssessmentYear
)
