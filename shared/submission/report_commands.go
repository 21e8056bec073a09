package submission

// ReportApproval is the body of a fund report's approval by its board.
type ReportApproval struct {
	ApprovedBy *Text   `json:"approvedBy" validate:"required,notblank,max=200,nocontrol"`
	Reference  *Text   `json:"reference" validate:"required,notblank,max=200,nocontrol"`
	ApprovedOn *string `json:"approvedOn" validate:"required,date"`
}

// RuleReportRole refuses a report sign-off in a role the fund does not ask
// of the signing partner's type.
var RuleReportRole = requestRule("report.role-not-required", "role")
