package app_test

import (
	"strings"
	"testing"

	"github.com/regional-data-exchange/rdx/shared/app"
)

// A region file with five different mistakes stops the start, through the
// loader every main uses, with one error naming all five by JSON Pointer.
func TestStartRefusesABrokenRegionNamingEveryFault(t *testing.T) {
	const file = "../region/testdata/five-mistakes.json"
	_, err := app.LoadRegions(app.Config{RegionFiles: []string{file}})
	if err == nil {
		t.Fatal("a region with five mistakes loaded")
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, file+": 5 faults:") {
		t.Errorf("the error does not name the file and count the faults:\n%s", msg)
	}
	for _, place := range []string{"/partners/1/website: ", "/partners/2/areas/1: ", "/funds/0/members/2/partner: ", "/funds/0/financialYears/1: ", "/funds/1/host: "} {
		if !strings.Contains(msg, "\n\t"+place) {
			t.Errorf("the error does not name %s:\n%s", place, msg)
		}
	}
	if _, err := app.LoadRegions(app.Config{}); err != nil {
		t.Fatalf("the embedded regions do not load: %v", err)
	}
}
