package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/regional-data-exchange/rdx/shared/web"
)

// BenchmarkPages is each page the bench measures (infra/bench, pages.go)
// beside the JSON route it is built from, served in process so that what
// a page does more than its route is what a profile shows:
//
//	go test -run '^$' -bench Pages -cpuprofile /tmp/pages.prof ./shared/web
func BenchmarkPages(b *testing.B) {
	defer web.WriteOnce()()
	s := newSite(b)
	s.seed()
	s.put(carm, "/quarterly-returns/"+fund+"/2018-19-Q2", example(b, "quarterly-return.json")) // version 2
	_, tmpl := s.api("GET", "/v1/templates/quarterly-return-csv.csv", s.token(region+"/"+carm), nil)
	upload, _ := s.upload(carm, map[string]any{"purpose": "quarterly-return-csv", "fundId": fund, "quarter": "2018-19-Q3"},
		[]byte(strings.Replace(string(tmpl), "residential-dementia", "palace", 1)))
	ret := slicePath(carm) + "/quarterly-returns/" + fund + "/2018-19-Q2"
	fundAt := "/regions/" + region + "/funds/" + fund
	app := func(v1 string) string { return "/app" + strings.TrimPrefix(v1, "/v1") }
	cases := []struct {
		name, role, page string
		json             []string
	}{
		{"position", region + "/unit", "/app" + fundAt + "/position?financialYear=2018-19", []string{"/v1" + fundAt + "/position?financialYear=2018-19"}},
		{"returns", region + "/" + carm, app(slicePath(carm)) + "/quarterly-returns", []string{slicePath(carm) + "/quarterly-returns?limit=50"}},
		{"return", region + "/" + carm, app(ret), []string{ret, ret + "/versions?limit=50"}},
		{"version", region + "/" + carm, app(ret) + "/versions/2", []string{ret + "/versions/2"}},
		{"upload", region + "/" + carm, app(slicePath(carm)) + "/uploads/" + upload, []string{slicePath(carm) + "/uploads/" + upload}},
	}
	cookies := map[string]string{}
	for _, c := range cases {
		if cookies[c.role] == "" {
			br := s.browser()
			br.signIn(c.role)
			u, _ := url.Parse(s.base)
			var kept []string
			for _, ck := range br.c.Jar.Cookies(u) {
				if strings.HasSuffix(ck.Name, "session") || strings.HasSuffix(ck.Name, "csrf") {
					kept = append(kept, ck.Name+"="+ck.Value)
				}
			}
			cookies[c.role] = strings.Join(kept, "; ")
		}
		tok := s.token(c.role)
		serve := func(b *testing.B, path string, header ...string) {
			req := httptest.NewRequest("GET", path, nil)
			for i := 0; i+1 < len(header); i += 2 {
				req.Header.Set(header[i], header[i+1])
			}
			rec := httptest.NewRecorder()
			s.local.Handler.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatalf("GET %s: %d %.300s", path, rec.Code, rec.Body)
			}
		}
		b.Run(c.name+"/page", func(b *testing.B) {
			for b.Loop() {
				serve(b, c.page, "Cookie", cookies[c.role], "Accept", "text/html")
			}
		})
		b.Run(c.name+"/json", func(b *testing.B) {
			for b.Loop() {
				for _, p := range c.json {
					serve(b, p, "Authorization", "Bearer "+tok)
				}
			}
		})
	}
}
