package openapi_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/regional-data-exchange/rdx/infra/examples"
	"github.com/regional-data-exchange/rdx/openapi"
	"github.com/regional-data-exchange/rdx/shared/auth"
)

// document is openapi.yaml as plain values, with its local $refs followable.
type document map[string]any

func load(t *testing.T) document {
	t.Helper()
	var d map[string]any // not a document: yaml.v3 would decode every nested object as one
	if err := yaml.Unmarshal(openapi.Spec, &d); err != nil {
		t.Fatalf("parse openapi.yaml: %v", err)
	}
	return d
}

// resolve follows $ref (local, "#/...") until it reaches an object that is not one.
func (d document) resolve(t *testing.T, v any) map[string]any {
	t.Helper()
	m, _ := v.(map[string]any)
	for m != nil {
		ref, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		var cur any = map[string]any(d)
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			cur = cur.(map[string]any)[part]
		}
		if cur == nil {
			t.Fatalf("%s points nowhere", ref)
		}
		m = cur.(map[string]any)
	}
	return m
}

// Every property a schema requires is declared in that schema's own
// properties (a conditional subschema's, such as an if/then, in those of the
// schema it refines). Generators type a required name they cannot see as
// absent or optional: openapi-typescript made every envelope's kind and key
// optional when EnvelopeBase required them without declaring them.
func TestRequiredPropertiesAreDeclared(t *testing.T) {
	var walk func(node any, path string, parentProps map[string]any)
	walk = func(node any, path string, parentProps map[string]any) {
		switch n := node.(type) {
		case []any:
			for i, v := range n {
				walk(v, fmt.Sprintf("%s/%d", path, i), parentProps)
			}
		case map[string]any:
			props, own := n["properties"].(map[string]any)
			if required, ok := n["required"].([]any); ok {
				declared := props
				if !own {
					declared = parentProps
				}
				for _, r := range required {
					if _, ok := declared[r.(string)]; !ok {
						t.Errorf("%s requires %q but does not declare it in properties", path, r)
					}
				}
			}
			for k, v := range n {
				switch k {
				case "if", "then", "else", "not", "allOf", "anyOf", "oneOf":
					// Subschemas that refine this object see its properties.
					if own {
						walk(v, path+"/"+k, props)
					} else {
						walk(v, path+"/"+k, parentProps)
					}
				default:
					walk(v, path+"/"+k, nil)
				}
			}
		}
	}
	walk(map[string]any(load(t)), "#", nil)
}

// The PUT examples are the shared example submissions (infra/examples), so
// the contract, the README's walk-through and the tests send the same bodies.
func TestPutExamplesAreTheSharedExamples(t *testing.T) {
	d := load(t)
	files := map[string]string{
		"putPopulationAssessment":    "population-assessment.json",
		"putMarketPositionStatement": "market-position-statement.json",
		"putPoolContribution":        "pool-contribution.json",
		"putQuarterlyReturn":         "quarterly-return.json",
	}
	for _, op := range d.operations(t) {
		file, ok := files[op.ID]
		if !ok {
			continue
		}
		delete(files, op.ID)
		raw, err := examples.Read(file)
		if err != nil {
			t.Fatal(err)
		}
		want := decodeJSON(t, raw)
		bodies := d.bodyExamples(t, op)
		if len(bodies) != 1 {
			t.Errorf("%s has %d body examples, want one: %s", op.ID, len(bodies), file)
			continue
		}
		if got := jsonValue(t, bodies[0].value); !reflect.DeepEqual(got, want) {
			t.Errorf("%s's body example %q is not infra/examples/%s", op.ID, bodies[0].name, file)
		}
	}
	for id := range files {
		t.Errorf("no operation %s", id)
	}
}

// The contract states the token leeway the verifier applies.
func TestTokenLeewayIsInTheContract(t *testing.T) {
	d := load(t)
	scheme := d.resolve(t, d["components"].(map[string]any)["securitySchemes"].(map[string]any)["bearerAuth"])
	desc, _ := scheme["description"].(string)
	want := fmt.Sprintf("%d seconds", int(auth.Leeway.Seconds()))
	if !strings.Contains(desc, want) {
		t.Errorf("bearerAuth's description does not state the leeway (%q): %s", want, desc)
	}
	for _, claim := range []string{"`exp`", "`nbf`", "`iat`"} {
		if !strings.Contains(desc, claim) {
			t.Errorf("bearerAuth's description does not say how %s is checked", claim)
		}
	}
	info, _ := d["info"].(map[string]any)["description"].(string)
	if !strings.Contains(info, want) {
		t.Errorf("the API's description does not state the leeway (%q)", want)
	}
}

// operation is one method of one path.
type operation struct {
	ID, Method, Path string
	op, item         map[string]any
}

var methods = []string{"get", "put", "post", "delete", "patch", "head", "options", "trace"}

// operations lists every operation, in the document's order of paths.
func (d document) operations(t *testing.T) []operation {
	t.Helper()
	var doc struct {
		Paths yaml.Node `yaml:"paths"`
	}
	if err := yaml.Unmarshal(openapi.Spec, &doc); err != nil {
		t.Fatal(err)
	}
	paths := d["paths"].(map[string]any)
	var ops []operation
	for i := 0; i+1 < len(doc.Paths.Content); i += 2 {
		path := doc.Paths.Content[i].Value
		item := paths[path].(map[string]any)
		for _, m := range methods {
			if op, ok := item[m].(map[string]any); ok {
				ops = append(ops, operation{ID: op["operationId"].(string), Method: strings.ToUpper(m), Path: path, op: op, item: item})
			}
		}
	}
	return ops
}

// parameters are the operation's parameters, its own replacing the path's of
// the same name and place.
func (d document) parameters(t *testing.T, op operation) []map[string]any {
	t.Helper()
	var out []map[string]any
	add := func(list any) {
		items, _ := list.([]any)
		for _, p := range items {
			p := d.resolve(t, p)
			out = slices.DeleteFunc(out, func(q map[string]any) bool { return q["name"] == p["name"] && q["in"] == p["in"] })
			out = append(out, p)
		}
	}
	add(op.item["parameters"])
	add(op.op["parameters"])
	return out
}

type bodyExample struct {
	name    string
	value   any
	partner string // x-partner: the partner whose token sends it, when the path names none
}

// bodyExamples are the JSON request body's examples, in name order.
func (d document) bodyExamples(t *testing.T, op operation) []bodyExample {
	t.Helper()
	rb := d.resolve(t, op.op["requestBody"])
	if rb == nil {
		return nil
	}
	media, _ := rb["content"].(map[string]any)["application/json"].(map[string]any)
	if v, ok := media["example"]; ok {
		return []bodyExample{{name: "example", value: v}}
	}
	var out []bodyExample
	named, _ := media["examples"].(map[string]any)
	for _, name := range sortedKeys(named) {
		ex := d.resolve(t, named[name])
		partner, _ := ex["x-partner"].(string)
		out = append(out, bodyExample{name, ex["value"], partner})
	}
	return out
}

// example is a parameter's example value, if it has one: its own, or else its
// schema's, as tools that build requests from examples take it.
func (d document) example(t *testing.T, p map[string]any) (any, bool) {
	t.Helper()
	if v, ok := p["example"]; ok {
		return v, true
	}
	if named, ok := p["examples"].(map[string]any); ok && len(named) > 0 {
		return d.resolve(t, named[sortedKeys(named)[0]])["value"], true
	}
	schema := d.resolve(t, p["schema"])
	if v, ok := schema["example"]; ok {
		return v, true
	}
	if list, ok := schema["examples"].([]any); ok && len(list) > 0 {
		return list[0], true
	}
	return nil, false
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// jsonValue is v as encoding/json would decode it (YAML's ints become float64).
func jsonValue(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return decodeJSON(t, b)
}

func decodeJSON(t *testing.T, b []byte) any {
	t.Helper()
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
