package submission

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/regional-data-exchange/rdx/shared/jsonx"
	"github.com/regional-data-exchange/rdx/shared/money"
)

// Canonical serialises a normalised document per RFC 8785 (JSON
// Canonicalization Scheme), writing it directly rather than marshalling and
// re-parsing: object members sorted by name (the product's field names are
// ASCII, for which UTF-16 order is byte order), strings escaped as JCS says,
// whole numbers as integers (all within ±2^53, so exact), money and decimals
// as strings.
func Canonical(doc map[string]any) ([]byte, error) {
	return appendCanonical(make([]byte, 0, 1024), doc)
}

func appendCanonical(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case map[string]any:
		return appendObject(b, x)
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendCanonical(b, e); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case string:
		return jsonx.AppendString(b, x), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case money.Pence:
		return jsonx.AppendString(b, x.String()), nil
	case money.Decimal:
		return jsonx.AppendString(b, x.String()), nil
	case nil:
		return append(b, "null"...), nil
	}
	return nil, fmt.Errorf("canonical: unexpected %T", v)
}

func appendObject(b []byte, m map[string]any) ([]byte, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonx.AppendString(b, k)
		b = append(b, ':')
		var err error
		if b, err = appendCanonical(b, m[k]); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}
