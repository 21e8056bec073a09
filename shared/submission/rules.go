package submission

import (
	"slices"
	"sort"

	"github.com/regional-data-exchange/rdx/shared/auth"
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
type Rule struct {
	Code     string
	Severity Severity
	Message  string
}

var allRules []*Rule

func rule(sev Severity, code, message string) *Rule {
	r := &Rule{Code: code, Severity: sev, Message: message}
	allRules = append(allRules, r)
	return r
}

// Structural and type rules: emitted by the schema walk.
var (
	ruleUnknownField   = rule(SevError, "body.unknown-field", "The field is not part of this kind of submission.")
	ruleDuplicateField = rule(SevError, "body.duplicate-field", "The field appears more than once in the same object.")
	ruleTooDeep        = rule(SevError, "body.too-deep", "The value is nested more deeply than any submission allows.")
	ruleLoneSurrogate  = rule(SevError, "body.lone-surrogate", `The text holds a lone UTF-16 surrogate escape (\ud800 to \udfff, not as a pair), which is no character.`)
	ruleWrongType      = rule(SevError, "body.wrong-type", "The value has the wrong JSON type.")
	ruleRequired       = rule(SevError, "field.required", "The field is required.")
	ruleListShort      = rule(SevError, "list.too-short", "The list has fewer items than required.")
	ruleListLong       = rule(SevError, "list.too-long", "The list has more items than allowed.")
	ruleTextEmpty      = rule(SevError, "text.empty", "The text must not be empty.")
	ruleTextLong       = rule(SevError, "text.too-long", "The text is longer than allowed.")
	ruleTextControl    = rule(SevError, "text.control-characters", "The text contains control characters (only newline and tab are allowed).")
	ruleMoneyInvalid   = rule(SevError, "money.invalid", "Money is pounds written as digits with an optional decimal point, e.g. 1250000.50.")
	ruleMoneyExponent  = rule(SevError, "money.exponent", "Money must not use exponent notation.")
	ruleMoneyDecimals  = rule(SevError, "money.too-many-decimals", "Money has at most 2 decimal places.")
	ruleMoneyLarge     = rule(SevError, "money.too-large", "Money is at most 99,999,999,999.99.")
	ruleMoneyNegative  = rule(SevError, "money.negative", "The amount must not be negative.")
	ruleMoneyPositive  = rule(SevError, "money.not-positive", "The amount must be greater than zero.")
	ruleDecimalInvalid = rule(SevError, "decimal.invalid", "A decimal is digits with an optional sign and decimal point, without exponent.")
	ruleDecimalPlaces  = rule(SevError, "decimal.too-many-decimals", "A decimal has at most 6 decimal places.")
	ruleDecimalLarge   = rule(SevError, "decimal.too-large", "A decimal has at most 15 digits before the decimal point.")
	ruleCountInvalid   = rule(SevError, "count.invalid", "A count is a whole number from 0 to 9007199254740991.")
	ruleIntegerInvalid = rule(SevError, "integer.invalid", "The value must be a whole number.")
	ruleFinancialYear  = rule(SevError, "financial-year.invalid", "A financial year is YYYY-YY with the second year following the first, e.g. 2018-19.")
	ruleQuarter        = rule(SevError, "quarter.invalid", "A quarter is YYYY-YY-Qn with n from 1 to 4, e.g. 2018-19-Q2.")
	ruleAssessmentYear = rule(SevError, "assessment-year.invalid", "An assessment year is a whole number from 2000 to 2100.")
	ruleDate           = rule(SevError, "date.invalid", "A date is YYYY-MM-DD and must exist in the calendar.")
	ruleAreaUnknown    = rule(SevError, "area.unknown", "The area code is not an area of the region.")
	ruleKeyMismatch    = rule(SevError, "key.mismatch", "A key field in the body must equal the value in the path.")
	ruleKPIUnknown     = rule(SevError, "kpi.unknown-code", "The KPI code is not in the region's KPI catalogue.")
)

// Enumerations, each with its own code.
var (
	ruleDiscipline       = rule(SevError, "discipline.invalid", "A discipline is health or social-care.")
	ruleCareCategory     = rule(SevError, "care-category.invalid", "A care-home category is residential, nursing, residential-dementia, nursing-dementia, learning-disabilities or respite.")
	ruleAgeBand          = rule(SevError, "age-band.invalid", "An age band is 0-17, 18-64, 65-74, 75-84 or 85+.")
	ruleSex              = rule(SevError, "sex.invalid", "Sex is female, male or all.")
	ruleNeedGroup        = rule(SevError, "need-group.invalid", "The needs group is not one of the data dictionary's groups.")
	ruleContributionType = rule(SevError, "contribution-type.invalid", "A contribution type is cash or in-kind.")
	ruleRiskRating       = rule(SevError, "risk-rating.invalid", "A risk rating is green, amber or red.")
	RuleRegionUnknown    = requestRule("region.unknown", "region", "No region of that id is served here.")
	ruleExportFormat     = requestRule("export.format-invalid", "format", "An export format is csv, xlsx or json.")
	ruleUploadPurpose    = requestRule("upload.purpose-invalid", "purpose", "An upload purpose is population-assessment-csv, quarterly-return-csv, pool-contribution-csv or market-position-document.")
	ruleUploadSHA256     = requestRule("upload.sha256-invalid", "sha256", "sha256 is the file's SHA-256 in 64 hex digits.")
	RuleUploadSize       = requestRule("upload.size-invalid", "sizeBytes", "A file is from 1 byte to the limit of its purpose.")
)

// Region, partner and fund rules.
var (
	ruleFundNotMemberInYear  = rule(SevError, "fund.not-member-in-year", "The partner is a member of the fund, but not in this financial year: a fund gives its members year by year (its members in GET /v1/regions/{region}).")
	ruleAreaNotServed        = rule(SevError, "partner.area-not-served", "The partner does not serve this area.")
	ruleDisciplineNotAllowed = rule(SevError, "partner.discipline-not-allowed", "The partner's type may not fund this discipline.")
	ruleFundUnknown          = rule(SevError, "fund.unknown", "The fund is not a pooled fund of the region.")
	ruleFundNotMember        = rule(SevError, "fund.not-member", "The partner is not a member of the fund in any of its years.")
	ruleYearOutsideFund      = rule(SevError, "financial-year.outside-fund-years", "The fund does not run in this financial year.")
	ruleQuarterOutsideFund   = rule(SevError, "quarter.outside-fund-years", "The quarter is not in one of the fund's financial years.")
)

// The fund's own lists (its configuration in GET /v1/regions/{region}):
// which values pass depends on the fund the key names.
var (
	ruleSpendCategory         = rule(SevError, "spend-category.invalid", "The spend category is not one of the fund's own spendCategories (GET /v1/regions/{region}): which values pass depends on the fund.")
	ruleIncomeSource          = rule(SevError, "income-source.invalid", "The income source is not one of the fund's own incomeSources (GET /v1/regions/{region}): which values pass depends on the fund.")
	ruleFundingStream         = rule(SevError, "funding-stream.invalid", "The funding stream is not one of the fund's own fundingStreams (GET /v1/regions/{region}): which values pass depends on the fund.")
	ruleFundingStreamRequired = rule(SevError, "funding-stream.required", "The fund has fundingStreams (GET /v1/regions/{region}): every line of a contribution to it names one.")
	ruleActivityRequired      = rule(SevError, "activity.required", "The fund asks for placement activity (placementActivity in GET /v1/regions/{region}): every return to it gives activity.")
	ruleFundingStreamNotUsed  = rule(SevError, "funding-stream.not-used", "The fund has no fundingStreams (GET /v1/regions/{region}): the lines of a contribution to it name none.")
	ruleAssuranceHostOnly     = rule(SevError, "assurance.host-only", "Only the fund's host answers the fund's assurances; other members' returns carry none.")
	ruleAssuranceUnknown      = rule(SevError, "assurance.unknown-code", "The code is not one of the fund's own assurances (GET /v1/regions/{region}).")
	ruleAssuranceDuplicate    = rule(SevError, "assurance.duplicate-code", "The assurance is answered more than once.")
	ruleAssuranceMissing      = rule(SevError, "assurance.missing", "The host's return answers every one of the fund's assurances (GET /v1/regions/{region}); this one is not answered.")
	ruleAssuranceCommentary   = rule(SevError, "assurance.commentary-required", "An assurance that is not met needs a commentary.")
)

// Kind-specific rules.
var (
	rulePopulationDuplicate = rule(SevError, "population.duplicate-row", "Two population rows have the same year, age band and sex.")
	rulePopulationYear      = rule(SevError, "population.year-out-of-range", "A population year must lie from 10 years before to 25 years after the assessment year.")
	ruleNeedsDuplicate      = rule(SevError, "needs.duplicate-row", "Two needs rows have the same group and year.")
	ruleNeedsOverPopulation = rule(SevWarning, "needs.exceeds-population", "The needs count is larger than the total population given for the same year.")
	ruleSexTotal            = rule(SevWarning, "population.sex-total-mismatch", "The 'all' row differs from the sum of the female and male rows for the same year and age band.")

	ruleCareHomeDuplicate = rule(SevError, "care-homes.duplicate-category", "Two care-home rows have the same category.")
	ruleCareHomeBeds      = rule(SevError, "care-homes.beds-exceeded", "Occupied plus vacant beds must not exceed beds.")
	ruleCareHomeFunding   = rule(SevError, "care-homes.funding-exceeds-occupied", "Local authority, health and self-funded beds together must not exceed occupied beds.")
	ruleCareHomeFeeOrder  = rule(SevError, "care-homes.fee-order", "Weekly fees must satisfy minimum ≤ average ≤ maximum.")
	ruleDocumentUpload    = rule(SevError, "document.unavailable", "The document upload is unknown, not accepted, or not this partner's.")
	ruleLowOccupancy      = rule(SevWarning, "care-homes.low-occupancy", "Occupancy (occupied beds / beds) is below 50%.")
	ruleFeeRange          = rule(SevWarning, "care-homes.fee-outside-range", "The weekly fee is outside £300–£3,000.")

	ruleSpendDuplicate   = rule(SevError, "spend.duplicate-line", "Two spend lines have the same discipline, area and category.")
	ruleIncomeDuplicate  = rule(SevError, "income.duplicate-line", "Two income lines have the same discipline, area and source.")
	ruleKPIDuplicate     = rule(SevError, "kpi.duplicate-code", "The KPI code appears more than once.")
	ruleKPIPlanDuplicate = rule(SevError, "kpi-plan.duplicate", "Two KPI plans have the same code and quarter.")
	ruleKPIPlanQuarter   = rule(SevError, "kpi-plan.quarter-outside-year", "A KPI plan's quarter must be in the contribution's financial year.")
	ruleRedCommentary    = rule(SevError, "commentary.required-when-red", "A red risk rating needs a commentary.")
	ruleFinalNotQ4       = rule(SevError, "final.not-q4", "Only a Q4 return can be final.")
	ruleForecastBelow    = rule(SevWarning, "forecast.below-actual", "The forecast outturn is below the actual to date.")
	ruleActualDecreased  = rule(SevWarning, "actual.decreased", "The actual to date is lower than the same line in the previous quarter's current return; cumulative figures should not fall.")
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
// from the schemas and checks the validator runs.
func Catalogue() []CatalogueEntry {
	uses := map[*Rule]*CatalogueEntry{}
	add := func(r *Rule, k Kind, field string) {
		e := uses[r]
		if e == nil {
			e = &CatalogueEntry{Code: r.Code, Severity: r.Severity, Message: r.Message}
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

func requestRule(code, field, message string) *Rule {
	r := rule(SevError, code, message)
	requestRules = append(requestRules, struct {
		rule  *Rule
		field string
	}{r, field})
	return r
}

// Request rules, exported for the service and the HTTP layer.
var (
	RuleIfMatchInvalid   = requestRule("if-match.invalid", "If-Match", `If-Match is * or a list of entity tags such as "3".`)
	RuleIdemKeyInvalid   = requestRule("idempotency-key.invalid", "Idempotency-Key", "An idempotency key is 1 to 100 printable ASCII characters.")
	RuleIdemKeyReused    = requestRule("idempotency-key.reused", "Idempotency-Key", "The idempotency key was already used for a different request.")
	RuleCursorInvalid    = requestRule("cursor.invalid", "cursor", "The cursor is not one this caller received for these filters.")
	RuleLimitInvalid     = requestRule("limit.invalid", "limit", "limit is a whole number from 1 to 200.")
	RuleUnknownParameter = requestRule("query.unknown-parameter", "query", "The query parameter is not one this route accepts.")
	RuleParameterInvalid = requestRule("query.invalid", "query", "The query parameter's value is not valid.")
	RuleVersionInvalid   = requestRule("version.invalid", "version", "A version number is a whole number from 1.")
	RuleParamRequired    = requestRule("query.required", "query", "The query parameter is required.")
	RulePeriodInvalid    = requestRule("period.invalid", "period", "A period is a financial year (2019-20) or a quarter (2019-20-Q2).")
	RulePeriodOutside    = requestRule("period.outside-fund-years", "period", "The fund does not run in this period.")
	RuleIfMatchRequired  = requestRule("if-match.required", "If-Match", "Name the version being signed off in If-Match.")
	RuleReasonRequired   = requestRule("reason.required", "reason", "An unlock needs a reason: a JSON body {\"reason\": ...} or a Reason header.")
	RuleTimeInvalid      = requestRule("time.invalid", "query", "A time is RFC 3339 (2026-11-22T09:00:00Z) or a date (2026-11-22).")
	RuleStatusInvalid    = requestRule("status.invalid", "status", "An obligation status is open, late, received or signed-off.")
)

// Token rules: why a token the issuer signed is still refused (401), named
// against the Authorization header. Package auth reports them.
func init() {
	for _, r := range auth.TokenRules {
		requestRule(r.Code, "Authorization", r.Message)
	}
}

// Rules the region's views reuse for their query parameters.
var (
	RuleFinancialYear  = ruleFinancialYear
	RuleQuarter        = ruleQuarter
	RuleAssessmentYear = ruleAssessmentYear
)
