package position_test

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/regional-data-exchange/rdx/shared/position"
)

// The hand-written JSON means exactly what encoding/json writes for the
// struct tags, on the random positions of the property tests.
func TestMarshalJSONMatchesReflection(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 2))
	checked := 0
	for i := range 500 {
		p, err := position.Compute(randomInput(r))
		if err != nil {
			continue
		}
		type plain position.Position // no MarshalJSON: encoding/json's own view
		want, _ := json.Marshal((*plain)(p))
		got, err := p.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var a, b any
		if err := json.Unmarshal(got, &a); err != nil {
			t.Fatalf("case %d: invalid JSON %v: %s", i, err, got)
		}
		json.Unmarshal(want, &b)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("case %d:\n got %s\nwant %s", i, got, want)
		}
		checked++
	}
	if checked < 100 {
		t.Fatalf("only %d positions compared", checked)
	}
}
