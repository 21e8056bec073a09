package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"sync"

	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/region"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/service/submissions"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// partnerKinds are the kinds a partner's home lists, its funds' first.
var partnerKinds = []submission.Kind{submission.QuarterlyReturns, submission.PoolContributions,
	submission.PopulationAssessments, submission.MarketPositionStatements}

// homeListLimit is how many of each kind a partner's home lists; the
// kind's own page lists them all, a page at a time.
const homeListLimit = 10

// kindListLimit is a kind's page's length.
const kindListLimit = 50

// partnerData is a partner's home: what it has sent of each kind, and its
// other pages.
type partnerData struct {
	Kinds       []kindSection
	Obligations string
	Uploads     string // the upload finder's action
	UploadList  string // the partner's uploads
	NewUpload   string // the upload form, for one who may upload
	Lang        string
	Consents    []link
}

type kindSection struct {
	Table table
	More  string // the kind's page, when there is more than is listed
}

type link struct {
	Text, Href string
}

// sliceOf is a partner page's partner, from its address: its own
// partner, or the region's token reading any partner of its region.
func (s *site) sliceOf(v *visit) (service.Slice, error) {
	slice, err := s.Service.AuthorizeSlice(v.p, v.r.PathValue("region"), v.r.PathValue("partner"), service.ReadSlice)
	if err != nil {
		return slice, err
	}
	reg := slice.Region.In(v.lang) // names in the page's language
	p, _ := reg.Partner(slice.Partner.ID)
	return service.Slice{Region: reg, Partner: p}, nil
}

// partnerHome lists the partner's current submissions, kind by kind (each
// GET {S}/{kind}'s first page, read together), and its other pages.
func (s *site) partnerHome(v *visit) error {
	slice, err := s.sliceOf(v)
	if err != nil {
		return err
	}
	pages, errs := make([]*submissions.ListPage, len(partnerKinds)), make([]error, len(partnerKinds))
	var wg sync.WaitGroup
	for i, k := range partnerKinds {
		wg.Go(func() {
			pages[i], errs[i] = s.Submissions.ListCurrent(v.r.Context(), v.p, slice.Region.ID, slice.Partner.ID, k, nil,
				service.PageRequest{Limit: homeListLimit})
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	base := appPath("regions", slice.Region.ID, "partners", slice.Partner.ID)
	d := partnerData{Obligations: v.link(base+"/obligations", nil), Uploads: base + "/uploads", Lang: string(v.explicit)}
	d.UploadList = v.link(base+"/uploads", nil)
	if v.p.Partner == slice.Partner.ID && v.p.Has(auth.SubmissionsWrite) {
		d.NewUpload = v.link(base+"/uploads/new", nil)
	}
	for i, k := range partnerKinds {
		sec := kindSection{Table: currentTable(v, slice, k, pages[i].Items)}
		if pages[i].NextCursor != "" {
			sec.More = v.link(base+"/"+string(k), nil)
		}
		d.Kinds = append(d.Kinds, sec)
	}
	for i := range slice.Region.Funds {
		f := &slice.Region.Funds[i]
		if f.HasMember(slice.Partner.ID) {
			d.Consents = append(d.Consents, link{Text: v.t("page.consent.link", map[string]any{"Fund": f.Name}),
				Href: v.link(base+"/funds/"+url.PathEscape(f.ID)+"/pooling-consent", nil)})
		}
	}
	return s.render(v, http.StatusOK, "partner", slice.Partner.Name, d)
}

// kindOf is the address's submission kind; any other word is no page.
func kindOf(v *visit) (submission.Kind, error) {
	k, ok := submission.ParseKind(v.r.PathValue("kind"))
	if !ok {
		return "", errNoPage
	}
	return k, nil
}

// keyOf is a submission page's partner, kind and key values, from its
// address ({kind}/{a}/{b}).
func (s *site) keyOf(v *visit) (service.Slice, submission.Kind, [2]string, error) {
	values := [2]string{v.r.PathValue("a"), v.r.PathValue("b")}
	slice, err := s.sliceOf(v)
	if err != nil {
		return slice, "", values, err
	}
	k, err := kindOf(v)
	return slice, k, values, err
}

// kindData is a kind's page: its current submissions, a page at a time.
type kindData struct {
	Table      table
	Next, Back string
}

// kindList is every current submission of a kind, a page at a time (GET
// {S}/{kind}).
func (s *site) kindList(v *visit) error {
	slice, k, _, err := s.keyOf(v)
	if err != nil {
		return err
	}
	page, err := s.Submissions.ListCurrent(v.r.Context(), v.p, slice.Region.ID, slice.Partner.ID, k, nil,
		service.PageRequest{Limit: kindListLimit, Cursor: v.r.URL.Query().Get("cursor")})
	if err != nil {
		return err
	}
	d := kindData{Table: currentTable(v, slice, k, page.Items), Back: v.link(appPath("regions", slice.Region.ID, "partners", slice.Partner.ID)+"/", nil)}
	if page.NextCursor != "" {
		d.Next = v.link(v.r.URL.Path, url.Values{"cursor": {page.NextCursor}})
	}
	return s.render(v, http.StatusOK, "kind", v.t("page.kind.title", map[string]any{"Kind": v.t("page.kind."+string(k), nil),
		"Partner": slice.Partner.Name}), d)
}

// keyLabel is a submission's key in words: its fund's or area's name and
// its period.
func keyLabel(reg *region.Region, k submission.Kind, values [2]string) string {
	first := values[0]
	if k.FundKind() {
		if f, ok := reg.Fund(first); ok {
			first = f.Name
		}
	} else {
		first = areaName(reg, first)
	}
	return first + ", " + values[1]
}

func keyPath(slice service.Slice, k submission.Kind, values [2]string) string {
	return appPath("regions", slice.Region.ID, "partners", slice.Partner.ID, string(k), values[0], values[1])
}

// currentTable lists current versions of a kind.
func currentTable(v *visit, slice service.Slice, k submission.Kind, recs []service.VersionRecord) table {
	t := table{Caption: v.t("page.kind."+string(k), nil), Empty: v.t("page.kind.none", nil), Columns: []column{{Label: v.t("page.col.submission", nil)},
		{Label: v.t("page.col.version", nil), Num: true}, {Label: v.t("page.col.received", nil)}, {Label: v.t("page.col.signed-off", nil)}}}
	for _, r := range recs {
		t.Rows = append(t.Rows, []cell{headCell(keyLabel(slice.Region, k, r.KeyValues), v.link(keyPath(slice, k, r.KeyValues), nil)),
			intCell(r.Version), textCell(v.when(r.ReceivedAt, slice.Region.Location())), signOffCell(v, slice, k, r.SignOff)})
	}
	return t
}

// signOffCell says whether a return is signed off; other kinds are not.
func signOffCell(v *visit, slice service.Slice, k submission.Kind, so *service.SignOff) cell {
	switch {
	case k != submission.QuarterlyReturns:
		return textCell(v.t("page.value.not-applicable", nil))
	case so == nil:
		return cell{Text: v.t("page.signoff.not-yet", nil), Class: "status-received"}
	}
	return cell{Text: v.t("page.signoff.by", map[string]any{"Signatory": so.Signatory, "Role": so.Role,
		"When": v.when(so.At, slice.Region.Location())}), Class: "status-signed"}
}

// versionData is one version of a submission, its document readable.
type versionData struct {
	Key         string
	Version     int
	Facts       []fact
	Warnings    []string
	Document    docNode
	Versions    *table // the key's page: every version
	NextVersion string
	Sign        *signOffForm
	Back        string
	Diff        *diffData    // what changed since the version before
	Receipt     *receiptData // the receipt and document to keep
	Upload      *link        // an upload for this submission, for one who may upload
}

// signOffForm signs off the version shown: If-Match is that version, so a
// newer version that arrived meanwhile is not signed unread.
type signOffForm struct {
	Action  string
	Version int
}

// submission is a key's current version with its document (GET {S}/{kind}/
// {a}/{b}) and its versions (GET .../versions), read together.
func (s *site) submission(v *visit) error {
	slice, k, values, err := s.keyOf(v)
	if err != nil {
		return err
	}
	var cur *submissions.Version
	var list *submissions.ListPage
	var curErr, listErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		cur, curErr = s.Submissions.GetSubmission(v.r.Context(), v.p, slice.Region.ID, slice.Partner.ID, k, values)
	})
	wg.Go(func() {
		list, listErr = s.Submissions.ListVersions(v.r.Context(), v.p, slice.Region.ID, slice.Partner.ID, k, values,
			service.PageRequest{Limit: kindListLimit, Cursor: v.r.URL.Query().Get("cursor")})
	})
	wg.Wait()
	if err := errors.Join(curErr, listErr); err != nil {
		return err
	}
	d, err := versionPage(v, slice, k, cur)
	if err != nil {
		return err
	}
	vt := versionsTable(v, slice, k, values, list.Items)
	d.Versions = &vt
	if list.NextCursor != "" {
		d.NextVersion = v.link(v.r.URL.Path, url.Values{"cursor": {list.NextCursor}})
	}
	if k == submission.QuarterlyReturns && cur.Record.SignOff == nil && v.p.Partner == slice.Partner.ID && v.p.Has(auth.SubmissionsSignoff) {
		d.Sign = &signOffForm{Action: v.link(keyPath(slice, k, values)+"/signoff", nil), Version: cur.Record.Version}
	}
	d.Back = v.link(appPath("regions", slice.Region.ID, "partners", slice.Partner.ID)+"/", nil)
	if err := s.versionExtras(v, slice, cur, &d); err != nil {
		return err
	}
	return s.render(v, http.StatusOK, "submission", d.Key, d)
}

// version is one version by number (GET {S}/{kind}/{a}/{b}/versions/{n}).
func (s *site) version(v *visit) error {
	slice, k, values, err := s.keyOf(v)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(v.r.PathValue("version"))
	if err != nil || n < 1 || strconv.Itoa(n) != v.r.PathValue("version") {
		return errNoPage
	}
	ver, err := s.Submissions.GetVersion(v.r.Context(), v.p, slice.Region.ID, slice.Partner.ID, k, values, n)
	if err != nil {
		return err
	}
	d, err := versionPage(v, slice, k, ver)
	if err != nil {
		return err
	}
	d.Back = v.link(keyPath(slice, k, values), nil)
	if err := s.versionExtras(v, slice, ver, &d); err != nil {
		return err
	}
	return s.render(v, http.StatusOK, "submission", v.t("page.version.title", map[string]any{"Key": d.Key, "Version": n}), d)
}

func versionPage(v *visit, slice service.Slice, k submission.Kind, ver *submissions.Version) (versionData, error) {
	r := ver.Record
	doc, err := readDocument(v, ver.Document)
	if err != nil {
		return versionData{}, err
	}
	signed := signOffCell(v, slice, k, r.SignOff)
	d := versionData{Key: keyLabel(slice.Region, k, r.KeyValues), Version: r.Version, Document: doc, Facts: []fact{
		{Label: v.t("page.col.kind", nil), Text: v.t("page.kind-one."+string(k), nil)},
		{Label: v.t("page.col.version", nil), Text: strconv.Itoa(r.Version)},
		{Label: v.t("page.col.received", nil), Text: v.when(r.ReceivedAt, slice.Region.Location())},
		{Label: v.t("page.col.by", nil), Text: actorName(r.ReceivedBy)},
		{Label: v.t("page.col.signed-off", nil), Text: signed.Text, Class: signed.Class},
		{Label: "SHA-256", Text: r.SHA256}}}
	for _, w := range r.Warnings {
		d.Warnings = append(d.Warnings, w.In(v.lang).Message)
	}
	return d, nil
}

func actorName(a service.Actor) string {
	if a.Name != "" {
		return a.Name
	}
	return a.Sub
}

// versionsTable lists a key's versions, newest first.
func versionsTable(v *visit, slice service.Slice, k submission.Kind, values [2]string, recs []service.VersionRecord) table {
	t := table{Caption: v.t("page.versions.caption", nil), Columns: []column{{Label: v.t("page.col.version", nil)},
		{Label: v.t("page.col.received", nil)}, {Label: v.t("page.col.by", nil)}, {Label: v.t("page.col.warnings", nil), Num: true},
		{Label: v.t("page.col.signed-off", nil)}, {Label: v.t("page.col.receipt", nil)}, {Label: v.t("page.col.document", nil)}}}
	for _, r := range recs {
		by := actorName(r.ReceivedBy)
		r.Kind, r.KeyValues = k, values
		keep := versionReceipt(v, slice, r)
		receipt := textCell(v.t("page.receipt.none-short", nil))
		if keep.Receipt != "" {
			receipt = cell{Text: v.t("page.receipt.link", map[string]any{"Version": r.Version}), Href: keep.Receipt}
		}
		t.Rows = append(t.Rows, []cell{headCell(v.t("page.version.name", map[string]any{"Version": r.Version}),
			v.link(keyPath(slice, k, values)+"/versions/"+strconv.Itoa(r.Version), nil)),
			textCell(v.when(r.ReceivedAt, slice.Region.Location())), textCell(by), intCell(len(r.Warnings)), signOffCell(v, slice, k, r.SignOff),
			receipt, {Text: v.t("page.receipt.document-link", map[string]any{"Version": r.Version}), Href: keep.Document}})
	}
	return t
}
