package main

import (
	"os"
	"regexp"
	"testing"
)

// The cold-start bench builds functions as make build does.
func TestBuildTagsMatchMakefile(t *testing.T) {
	mk, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^LAMBDA_TAGS\s*:=\s*(\S+)$`).FindSubmatch(mk)
	if m == nil || string(m[1]) != lambdaTags {
		t.Fatalf("the Makefile's LAMBDA_TAGS is %q; the bench builds with %q", m, lambdaTags)
	}
}
