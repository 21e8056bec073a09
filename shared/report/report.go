// Package report builds a pooled fund's quarterly report: the position as
// at the quarter, the return and contribution it uses of each member, each
// member's KPIs against its plans, the host's answers to the fund's
// assurances, and who must sign it and who has. It is pure: the service
// reads the records and passes them in.
//
// The report's content is everything but its sign-offs and approval; its
// SHA-256 (over the content's canonical JSON, RFC 8785) is the report's
// ETag. A sign-off or an approval records the content it was given on, so
// a new version of any input changes the content: earlier sign-offs stay
// recorded but no longer count, and the report must be signed again.
package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"time"

	"github.com/regional-data-exchange/rdx/shared/i18n"
	"github.com/regional-data-exchange/rdx/shared/jsonx"
	"github.com/regional-data-exchange/rdx/shared/period"
	"github.com/regional-data-exchange/rdx/shared/position"
	"github.com/regional-data-exchange/rdx/shared/region"
)

// Status is where a report stands.
type Status string

// The statuses, in the order a report moves through them.
const (
	AwaitingSignOff Status = "awaiting-sign-off" // a required sign-off is missing on the current content
	Signed          Status = "signed"            // every required sign-off stands on the current content
	Approved        Status = "approved"          // and the board approved that same content
)

// Member is one of the year's members and its partner type (which says
// which roles of it sign).
type Member struct {
	Partner, Type string
}

// Used is a submission version the report uses.
type Used struct {
	Partner string `json:"partner"`
	Quarter string `json:"quarter,omitempty"` // a return's quarter (the latest up to the report's)
	Version int    `json:"version"`
	SHA256  string `json:"sha256"`
}

// KPIValue is a member's value of a KPI: a plan for a quarter (from its
// contribution) or the actual it reported in its return.
type KPIValue struct {
	Partner, Code, Value string
}

// Answer is the host's answer to one of the fund's assurances.
type Answer struct {
	Code       string `json:"code"`
	Met        bool   `json:"met"`
	Commentary string `json:"commentary,omitempty"`
}

// Actor is who recorded a sign-off or an approval: the token's subject and
// name, as every other record of the API names its actor.
type Actor struct {
	Sub  string `json:"sub"`
	Name string `json:"name,omitempty"`
}

// SignOff is one signature recorded against the report.
type SignOff struct {
	Partner   string    `json:"partner"`
	Role      string    `json:"role"`
	Signatory string    `json:"signatory"`
	At        time.Time `json:"at"`
	By        Actor     `json:"by"`
	// ContentSHA256 is the content it was given on; it counts only while
	// that is still the report's content.
	ContentSHA256 string `json:"contentSha256"`
	// Receipt is the signature's signed receipt (a compact JWS).
	Receipt string `json:"receipt,omitempty"`
}

// Approval is the board's approval of the report.
type Approval struct {
	ApprovedBy    string    `json:"approvedBy"` // the person or meeting, as the board minutes it
	Reference     string    `json:"reference"`  // the minute or decision reference
	ApprovedOn    string    `json:"approvedOn"` // the date of the decision
	At            time.Time `json:"at"`
	By            Actor     `json:"by"`
	ContentSHA256 string    `json:"contentSha256"`
	// Receipt is the approval's signed receipt (a compact JWS).
	Receipt string `json:"receipt,omitempty"`
}

// Input is everything a report depends on.
type Input struct {
	Region  string
	Fund    *region.Fund
	Quarter period.Quarter
	// Members are the year's members, in configuration order.
	Members []Member
	// Position is the fund's position as at Quarter.
	Position *position.Position
	// Returns are the returns the position uses, Contributions the year's.
	Returns, Contributions []Used
	// KPIs is the region's catalogue; Plans and Actuals the members' values
	// for Quarter.
	KPIs           []region.KPI
	Plans, Actuals []KPIValue
	Answers        []Answer // the host's, from its return for Quarter
	SignOffs       []SignOff
	Approval       *Approval
	Locked         bool // the quarter is locked: nothing may change it
	// Frozen is the content as it stood when the quarter was locked; while
	// the lock stands it is the report's content, whatever the inputs have
	// become since (a contribution of the year, say, that the quarter's
	// lock does not hold).
	Frozen *Content
}

// Report is the fund's quarterly report (JSON: the API's).
type Report struct {
	Content
	ContentSHA256 string            `json:"contentSha256"`
	Status        Status            `json:"status"`
	Required      []RequiredSignOff `json:"requiredSignOffs"`
	SignOffs      []RecordedSignOff `json:"signOffs"` // in the order given
	Approval      *RecordedApproval `json:"approval"`
	Locked        bool              `json:"locked"`
	// AsOfSequence is the event of the region's changes feed the report is
	// as at (not part of its content).
	AsOfSequence int64 `json:"asOfSequence"`
}

// Content is what sign-offs and approvals are given on.
type Content struct {
	Region        string             `json:"region"`
	Fund          string             `json:"fund"`
	Quarter       string             `json:"quarter"`
	ApprovedBy    string             `json:"approvedBy"` // the board
	Position      *position.Position `json:"position"`
	Returns       []Used             `json:"returns"`
	Contributions []Used             `json:"contributions"`
	KPIs          []KPILine          `json:"kpis"`
	Assurances    []AssuranceLine    `json:"assurances"`
}

// KPILine is one member's KPI: its plan for the quarter, its actual, and
// whether the actual is on track given the KPI's direction.
type KPILine struct {
	Partner   string  `json:"partner"`
	Code      string  `json:"code"`
	Name      string  `json:"name"`
	Unit      string  `json:"unit"`
	Direction string  `json:"direction,omitempty"`
	Plan      *string `json:"plan"`
	Actual    *string `json:"actual"`
	// OnTrack is nil when there is no plan, no actual or no direction.
	OnTrack *bool `json:"onTrack"`
}

// AssuranceLine is one of the fund's assurances and the host's answer (nil
// while the host has not answered it for the quarter).
type AssuranceLine struct {
	Code   string  `json:"code"`
	Name   string  `json:"name"`
	Answer *Answer `json:"answer"`
}

// RequiredSignOff is a (partner, role) that must sign, and whether a
// sign-off on the current content stands for it.
type RequiredSignOff struct {
	Partner string `json:"partner"`
	Role    string `json:"role"`
	Signed  bool   `json:"signed"`
}

// RecordedSignOff is a sign-off and whether it counts (it was given on the
// current content).
type RecordedSignOff struct {
	SignOff
	Counts bool `json:"counts"`
}

// RecordedApproval is the approval and whether it stands on the current content.
type RecordedApproval struct {
	Approval
	Counts bool `json:"counts"`
}

// ErrInput is a report asked of inputs that cannot make one.
var ErrInput = errors.New("report: inconsistent input")

// Build makes the report of in.
func Build(in Input) (*Report, error) {
	if in.Fund == nil || in.Position == nil {
		return nil, fmt.Errorf("%w: a fund and its position are required", ErrInput)
	}
	c := Content{Region: in.Region, Fund: in.Fund.ID, Quarter: in.Quarter.String(), ApprovedBy: in.Fund.ApprovedBy,
		Position: in.Position, Returns: nonNil(in.Returns), Contributions: nonNil(in.Contributions),
		KPIs: kpiLines(in), Assurances: assuranceLines(in)}
	if in.Frozen != nil {
		c = *in.Frozen
	}
	sum, err := ContentSHA256(c)
	if err != nil {
		return nil, err
	}
	r := &Report{Content: c, ContentSHA256: sum, Required: Required(in.Fund, in.Members), SignOffs: []RecordedSignOff{}, Locked: in.Locked}
	// In the order given, whatever order they were read in.
	signOffs := slices.SortedStableFunc(slices.Values(in.SignOffs), func(a, b SignOff) int { return a.At.Compare(b.At) })
	for _, s := range signOffs {
		counts := s.ContentSHA256 == sum
		r.SignOffs = append(r.SignOffs, RecordedSignOff{SignOff: s, Counts: counts})
		for i := range r.Required {
			if counts && r.Required[i].Partner == s.Partner && r.Required[i].Role == s.Role {
				r.Required[i].Signed = true
			}
		}
	}
	r.Status = AwaitingSignOff
	if !slices.ContainsFunc(r.Required, func(q RequiredSignOff) bool { return !q.Signed }) {
		r.Status = Signed
	}
	if a := in.Approval; a != nil {
		r.Approval = &RecordedApproval{Approval: *a, Counts: a.ContentSHA256 == sum}
		if r.Approval.Counts && r.Status == Signed {
			r.Status = Approved
		}
	}
	return r, nil
}

// Required are the (partner, role) pairs that sign the fund's report: for
// each of the year's members, the roles its partner type signs with.
func Required(f *region.Fund, members []Member) []RequiredSignOff {
	out := []RequiredSignOff{}
	for _, m := range members {
		for _, rule := range f.ReportSignOffs {
			if rule.PartnerType != m.Type {
				continue
			}
			for _, role := range rule.Roles {
				out = append(out, RequiredSignOff{Partner: m.Partner, Role: role})
			}
		}
	}
	return out
}

// ContentSHA256 is the lower-case hex SHA-256 of the content's canonical JSON.
func ContentSHA256(c Content) (string, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("report content: %w", err)
	}
	tree, _, err := jsonx.Decode(b)
	if err != nil {
		return "", fmt.Errorf("report content: %w", err)
	}
	canon, err := jsonx.Canonical(tree)
	if err != nil {
		return "", fmt.Errorf("report content: %w", err)
	}
	sum := sha256.Sum256(canon)
	return hex.EncodeToString(sum[:]), nil
}

func kpiLines(in Input) []KPILine {
	out := []KPILine{}
	value := func(vs []KPIValue, partner, code string) *string {
		for _, v := range vs {
			if v.Partner == partner && v.Code == code {
				s := v.Value
				return &s
			}
		}
		return nil
	}
	for _, m := range in.Members {
		for _, k := range in.KPIs {
			plan, actual := value(in.Plans, m.Partner, k.Code), value(in.Actuals, m.Partner, k.Code)
			if plan == nil && actual == nil {
				continue
			}
			out = append(out, KPILine{Partner: m.Partner, Code: k.Code, Name: k.Name, Unit: k.Unit, Direction: k.Direction,
				Plan: plan, Actual: actual, OnTrack: onTrack(k.Direction, plan, actual)})
		}
	}
	return out
}

// onTrack compares the decimals exactly: lower-is-better is on track at or
// below the plan, higher-is-better at or above it.
func onTrack(direction string, plan, actual *string) *bool {
	if plan == nil || actual == nil || direction == "" {
		return nil
	}
	p, ok1 := new(big.Rat).SetString(*plan)
	a, ok2 := new(big.Rat).SetString(*actual)
	if !ok1 || !ok2 {
		return nil
	}
	c := a.Cmp(p)
	ok := c == 0 || (direction == "lower-is-better") == (c < 0)
	return &ok
}

func assuranceLines(in Input) []AssuranceLine {
	out := []AssuranceLine{}
	for _, a := range in.Fund.Assurances {
		line := AssuranceLine{Code: a.Code, Name: a.Name}
		for _, ans := range in.Answers {
			if ans.Code == a.Code {
				ans := ans
				line.Answer = &ans
			}
		}
		out = append(out, line)
	}
	return out
}

func nonNil(us []Used) []Used {
	if us == nil {
		return []Used{}
	}
	return us
}

// In is the report as a person reads it in lang: the names of its KPIs, its
// assurances and the board that approves it in lang, where the region gives
// them (a name the configuration no longer gives, in a content frozen
// earlier, stays as it was). Its contentSha256, and so its ETag and every
// sign-off, stays that of the content in the region's first language, so
// that members reading it in Welsh and in English sign the same content.
func (r *Report) In(lang i18n.Lang, kpis []region.KPI, f *region.Fund) *Report {
	out := *r
	out.KPIs = slices.Clone(r.KPIs)
	for i := range out.KPIs {
		l := &out.KPIs[i]
		if k := slices.IndexFunc(kpis, func(k region.KPI) bool { return k.Code == l.Code && k.Name == l.Name }); k >= 0 {
			l.Name = kpis[k].NameIn(lang)
		}
	}
	out.Assurances = slices.Clone(r.Assurances)
	for i := range out.Assurances {
		l := &out.Assurances[i]
		if a := slices.IndexFunc(f.Assurances, func(a region.Assurance) bool { return a.Code == l.Code && a.Name == l.Name }); a >= 0 {
			l.Name = f.Assurances[a].NameIn(lang)
		}
	}
	if out.ApprovedBy == f.ApprovedBy {
		out.ApprovedBy = f.ApprovedByIn(lang)
	}
	return &out
}
