package report_test

import (
	"errors"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/regional-data-exchange/rdx/shared/i18n"
	"github.com/regional-data-exchange/rdx/shared/period"
	"github.com/regional-data-exchange/rdx/shared/position"
	"github.com/regional-data-exchange/rdx/shared/region"
	"github.com/regional-data-exchange/rdx/shared/report"
)

func cheshire(t *testing.T) *region.Region {
	t.Helper()
	data, err := os.ReadFile("../../infra/regions/cheshire-west.json")
	if err != nil {
		t.Fatal(err)
	}
	r, err := region.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// input is Cheshire West's Better Care Fund report for 2019-20 Q2, with the
// year's three members and a position as given.
func input(t *testing.T, pos *position.Position) report.Input {
	t.Helper()
	r := cheshire(t)
	f, _ := r.Fund("better-care-fund")
	q, _ := period.ParseQuarter("2019-20-Q2")
	var members []report.Member
	for _, id := range f.MembersIn(q.Year) {
		p, _ := r.Partner(id)
		members = append(members, report.Member{Partner: id, Type: p.Type})
	}
	return report.Input{Region: r.ID, Fund: f, Quarter: q, Members: members, Position: pos, KPIs: r.KPIs,
		Returns: []report.Used{{Partner: "cheshire-west-and-chester", Quarter: "2019-20-Q2", Version: 1, SHA256: "aa"}}}
}

func pos(fy string) *position.Position {
	return &position.Position{Fund: "better-care-fund", FinancialYear: fy}
}

// The BCF's sign-offs: every member's chief executive and the council's
// S151 officer, for that year's members.
func TestRequiredSignOffsFollowTheYearsMembers(t *testing.T) {
	in := input(t, pos("2019-20"))
	want := []report.RequiredSignOff{
		{Partner: "cheshire-west-and-chester", Role: "chief-executive"}, {Partner: "cheshire-west-and-chester", Role: "s151-officer"},
		{Partner: "west-cheshire-ccg", Role: "chief-executive"}, {Partner: "vale-royal-ccg", Role: "chief-executive"},
	}
	got := report.Required(in.Fund, in.Members)
	if len(got) != len(want) {
		t.Fatalf("required %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("required[%d] = %v, want %v", i, got[i], want[i])
		}
	}
}

// A report moves from awaiting sign-off to signed to approved only on one
// content; a new version of an input reopens it, keeping the old
// signatures on record without counting them.
func TestSignOffLifecycle(t *testing.T) {
	in := input(t, pos("2019-20"))
	first, err := report.Build(in)
	if err != nil {
		t.Fatal(err)
	}
	if first.Status != report.AwaitingSignOff || len(first.Required) != 4 {
		t.Fatalf("unsigned: %s with %d required", first.Status, len(first.Required))
	}
	sign := func(partner, role, sha string) report.SignOff {
		return report.SignOff{Partner: partner, Role: role, Signatory: "Someone", At: time.Unix(0, 0).UTC(), By: report.Actor{Sub: "sub"}, ContentSHA256: sha}
	}
	sum := first.ContentSHA256
	in.SignOffs = []report.SignOff{sign("cheshire-west-and-chester", "chief-executive", sum), sign("cheshire-west-and-chester", "s151-officer", sum),
		sign("west-cheshire-ccg", "chief-executive", sum)}
	partial, _ := report.Build(in)
	if partial.Status != report.AwaitingSignOff || partial.ContentSHA256 != sum {
		t.Fatalf("partly signed: %s, content %s (was %s)", partial.Status, partial.ContentSHA256, sum)
	}
	in.SignOffs = append(in.SignOffs, sign("vale-royal-ccg", "chief-executive", sum))
	signed, _ := report.Build(in)
	if signed.Status != report.Signed {
		t.Fatalf("every sign-off: %s, required %+v", signed.Status, signed.Required)
	}
	in.Approval = &report.Approval{ApprovedBy: "Health and Wellbeing Board", Reference: "HWB/2019/41", ApprovedOn: "2019-11-20", ContentSHA256: sum}
	approved, _ := report.Build(in)
	if approved.Status != report.Approved || !approved.Approval.Counts {
		t.Fatalf("approved: %s", approved.Status)
	}
	// A new version of the council's return: new content, nothing counts.
	in.Returns = []report.Used{{Partner: "cheshire-west-and-chester", Quarter: "2019-20-Q2", Version: 2, SHA256: "bb"}}
	reopened, _ := report.Build(in)
	if reopened.ContentSHA256 == sum || reopened.Status != report.AwaitingSignOff || reopened.Approval.Counts {
		t.Fatalf("after a new version: %s, approval counts %v", reopened.Status, reopened.Approval.Counts)
	}
	for _, s := range reopened.SignOffs {
		if s.Counts {
			t.Errorf("a sign-off on the old content still counts: %+v", s)
		}
	}
	if len(reopened.SignOffs) != 4 {
		t.Errorf("the old sign-offs are not on record: %d", len(reopened.SignOffs))
	}
}

// The content's hash is the same for the same content, whatever the
// sign-offs, and differs when the position does.
func TestContentHash(t *testing.T) {
	in := input(t, pos("2019-20"))
	a, _ := report.Build(in)
	in.SignOffs = []report.SignOff{{Partner: "vale-royal-ccg", Role: "chief-executive", ContentSHA256: "x"}}
	b, _ := report.Build(in)
	if a.ContentSHA256 != b.ContentSHA256 || len(a.ContentSHA256) != 64 {
		t.Errorf("sign-offs changed the content hash: %s %s", a.ContentSHA256, b.ContentSHA256)
	}
	in.Position = &position.Position{Fund: "better-care-fund", FinancialYear: "2019-20", PooledUnderspend: 1}
	c, _ := report.Build(in)
	if c.ContentSHA256 == a.ContentSHA256 {
		t.Error("a different position has the same content hash")
	}
	if _, err := report.Build(report.Input{}); !errors.Is(err, report.ErrInput) {
		t.Errorf("an empty input: %v", err)
	}
}

// KPIs against plans: on track by the KPI's direction, exactly.
func TestKPIsOnTrack(t *testing.T) {
	in := input(t, pos("2019-20"))
	c := "cheshire-west-and-chester"
	in.Plans = []report.KPIValue{{c, "discharge-to-usual-residence", "92.5"}, {c, "avoidable-admissions-per-100k", "180"}, {c, "falls-admissions-65plus-per-100k", "2000"}}
	in.Actuals = []report.KPIValue{{c, "discharge-to-usual-residence", "92.50"}, {c, "avoidable-admissions-per-100k", "180.000001"},
		{c, "residential-admissions-65plus-per-100k", "500"}}
	r, err := report.Build(in)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, k := range r.KPIs {
		s := "nil"
		if k.OnTrack != nil {
			s = map[bool]string{true: "on", false: "off"}[*k.OnTrack]
		}
		got[k.Code] = s
	}
	want := map[string]string{
		"discharge-to-usual-residence":           "on",  // higher is better; equal is on track
		"avoidable-admissions-per-100k":          "off", // lower is better; a millionth over
		"falls-admissions-65plus-per-100k":       "nil", // a plan, no actual
		"residential-admissions-65plus-per-100k": "nil", // an actual, no plan
	}
	for code, w := range want {
		if got[code] != w {
			t.Errorf("%s: %s, want %s", code, got[code], w)
		}
	}
}

// The fund's assurances, each with the host's answer or none.
func TestAssurances(t *testing.T) {
	in := input(t, pos("2019-20"))
	in.Answers = []report.Answer{{Code: "national-condition-2", Met: false, Commentary: "Uplift agreed late."}}
	r, _ := report.Build(in)
	if len(r.Assurances) != 4 || r.Assurances[0].Answer != nil || r.Assurances[1].Answer == nil || r.Assurances[1].Answer.Met {
		t.Errorf("assurances %+v", r.Assurances)
	}
}

// Sign-offs are listed in the order they were given, however they are read.
func TestSignOffsInTheOrderGiven(t *testing.T) {
	in := input(t, pos("2019-20"))
	at := func(min int) time.Time { return time.Date(2019, 11, 12, 10, min, 0, 0, time.UTC) }
	in.SignOffs = []report.SignOff{
		{Partner: "west-cheshire-ccg", Role: "chief-executive", At: at(30)},
		{Partner: "cheshire-west-and-chester", Role: "s151-officer", At: at(10)},
		{Partner: "vale-royal-ccg", Role: "chief-executive", At: at(20)},
	}
	r, err := report.Build(in)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range r.SignOffs {
		got = append(got, s.Partner)
	}
	if want := []string{"cheshire-west-and-chester", "vale-royal-ccg", "west-cheshire-ccg"}; !slices.Equal(got, want) {
		t.Errorf("sign-offs %v, want %v", got, want)
	}
}

// In Welsh, the report names its KPIs, assurances and board in Welsh where
// the region gives them, and is the same content: the same SHA-256. A name
// the configuration no longer gives (in a content frozen earlier) stays.
func TestReportInTheLanguageAsked(t *testing.T) {
	in := input(t, pos("2019-20"))
	c := "cheshire-west-and-chester"
	in.Actuals = []report.KPIValue{{c, "discharge-to-usual-residence", "92.5"}, {c, "avoidable-admissions-per-100k", "180"}}
	f := *in.Fund
	f.ApprovedByNames = region.Names{i18n.Welsh: "Bwrdd Iechyd a Lles"}
	f.Assurances = slices.Clone(f.Assurances)
	f.Assurances[0].Names = region.Names{i18n.Welsh: "Cynllun a gytunwyd ar y cyd"}
	in.Fund = &f
	in.KPIs = slices.Clone(in.KPIs)
	for i := range in.KPIs {
		if in.KPIs[i].Code == "discharge-to-usual-residence" {
			in.KPIs[i].Names = region.Names{i18n.Welsh: "Rhyddhau i'r man preswylio arferol"}
		}
	}
	r, err := report.Build(in)
	if err != nil {
		t.Fatal(err)
	}
	cy := r.In(i18n.Welsh, in.KPIs, in.Fund)
	if cy.ContentSHA256 != r.ContentSHA256 {
		t.Errorf("the content's SHA-256 changed with the language: %s, %s", cy.ContentSHA256, r.ContentSHA256)
	}
	names := map[string]string{}
	for _, k := range cy.KPIs {
		names[k.Code] = k.Name
	}
	if names["discharge-to-usual-residence"] != "Rhyddhau i'r man preswylio arferol" || names["avoidable-admissions-per-100k"] != r.KPIs[0].Name {
		t.Errorf("KPIs in Welsh: %v", names)
	}
	if cy.ApprovedBy != "Bwrdd Iechyd a Lles" || cy.Assurances[0].Name != "Cynllun a gytunwyd ar y cyd" || cy.Assurances[1].Name != f.Assurances[1].Name {
		t.Errorf("in Welsh: board %q, assurances %q, %q", cy.ApprovedBy, cy.Assurances[0].Name, cy.Assurances[1].Name)
	}
	if r.ApprovedBy != f.ApprovedBy || r.Assurances[0].Name != f.Assurances[0].Name || r.KPIs[1].Name == "Rhyddhau i'r man preswylio arferol" {
		t.Errorf("the report itself changed: %+v", r.Content)
	}
	frozen := r.Content
	frozen.ApprovedBy = "The board as it was named then"
	frozen.KPIs = slices.Clone(frozen.KPIs)
	for i := range frozen.KPIs {
		frozen.KPIs[i].Name = "As it was named then"
	}
	in.Frozen = &frozen
	old, _ := report.Build(in)
	if o := old.In(i18n.Welsh, in.KPIs, in.Fund); o.ApprovedBy != frozen.ApprovedBy || o.KPIs[0].Name != "As it was named then" || o.ContentSHA256 != old.ContentSHA256 {
		t.Errorf("a frozen content's old names in Welsh: %q, %q", o.ApprovedBy, o.KPIs[0].Name)
	}
}
