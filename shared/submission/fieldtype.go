package submission

import "strings"

// pointerToken reads one reference token of a JSON Pointer (RFC 6901).
var pointerToken = strings.NewReplacer("~1", "/", "~0", "~")

// MoneyAt reports whether the value at a JSON pointer of a kind's document
// is an amount of money (carried as text of pounds, "1250000.50"): what a
// page shows as pounds. A list's items are named by any index ("/spend/3/
// actualToDate"); a pointer the kind does not have is no money.
func (k Kind) MoneyAt(pointer string) bool {
	spec, ok := specs()[k]
	if !ok || !strings.HasPrefix(pointer, "/") {
		return false
	}
	var t fieldType = spec.schema
	for _, tok := range strings.Split(pointer[1:], "/") {
		switch x := t.(type) {
		case object:
			name, found := pointerToken.Replace(tok), false
			for _, f := range x.fields {
				if f.name == name {
					t, found = f.typ, true
					break
				}
			}
			if !found {
				return false
			}
		case list:
			if tok == "" || strings.Trim(tok, "0123456789") != "" {
				return false
			}
			t = x.elem
		default:
			return false
		}
	}
	_, isMoney := t.(moneyType)
	return isMoney
}
