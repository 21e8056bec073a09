package region

import "github.com/regional-data-exchange/rdx/shared/jsonx"

// Parse reads one region's JSON with encoding/json and checks every rule of
// the configuration. Faults lists everything wrong at once, each at its JSON
// Pointer: unknown and repeated fields, the rules, and the first value of
// the wrong type (after which the rules are not applied: they would judge
// what encoding/json left behind, not what the file says).
func Parse(data []byte) (*Region, error) {
	r := &Region{}
	problems, err := jsonx.Unmarshal(data, r)
	if err != nil {
		return nil, err
	}
	faults := decodeFaults(problems)
	for _, p := range problems {
		if p.Kind == jsonx.WrongType || p.Kind == jsonx.BadNumber || p.Kind == jsonx.TooDeep {
			return nil, faults
		}
	}
	if faults = append(faults, r.check()...); len(faults) > 0 {
		return nil, faults
	}
	return r, nil
}
