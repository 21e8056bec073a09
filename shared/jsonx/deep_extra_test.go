package jsonx_test

import (
	"strings"
	"testing"

	"github.com/regional-data-exchange/rdx/shared/jsonx"
)

// A second value after a body nested beyond encoding/json's own limit is
// still trailing data.
func TestDeepBodyWithTrailingData(t *testing.T) {
	deep := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
	if _, _, err := jsonx.Decode([]byte(deep + " {}")); err == nil {
		t.Fatal("trailing data after a deep value was accepted")
	}
	if _, problems, err := jsonx.Decode([]byte(deep + " \n")); err != nil || len(problems) != 1 {
		t.Fatalf("deep value: %v %v", problems, err)
	}
}
