// Package valid sets up go-playground/validator/v10 the way the product uses
// it: fields named by their JSON names, so that every failure has a JSON
// Pointer, and the tags for grammars that region configuration and request
// bodies share. Each domain builds its validator once, adds its own tags and
// struct-level rules, and keeps it (a validator caches what it learns of each
// struct type).
package valid

import (
	"reflect"
	"strings"

	"github.com/go-playground/validator/v10"

	"github.com/regional-data-exchange/rdx/shared/jsonx"
	"github.com/regional-data-exchange/rdx/shared/period"
)

// FinancialYear is the tag of a financial year written YYYY-YY (period.ParseFinancialYear).
const FinancialYear = "financial-year"

// New builds a validator naming fields as encoding/json does, with the
// shared tags registered.
func New() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(jsonName)
	Must(v.RegisterValidation(FinancialYear, func(fl validator.FieldLevel) bool {
		_, err := period.ParseFinancialYear(fl.Field().String())
		return err == nil
	}))
	return v
}

// Must stops the program on a registration error: the tags are fixed in the
// code, so one that does not register is a bug found at start.
func Must(err error) {
	if err != nil {
		panic(err)
	}
}

// jsonName is a field's name in JSON ("" for a field JSON never carries).
func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	switch name {
	case "-":
		return ""
	case "":
		return f.Name
	}
	return name
}

// Pointer is the JSON Pointer (RFC 6901) of the value a failure is about,
// from its namespace: "Region.funds[0].members[2]" is /funds/0/members/2
// (the first name is the struct validated, which is the whole document).
func Pointer(fe validator.FieldError) string {
	_, ns, found := strings.Cut(fe.Namespace(), ".")
	if !found {
		return ""
	}
	var tokens []string
	for _, seg := range strings.Split(ns, ".") {
		name, index, _ := strings.Cut(seg, "[")
		tokens = append(tokens, name)
		for index != "" { // "0][2]": one or more indexes or map keys
			var key string
			key, index, _ = strings.Cut(index, "]")
			tokens = append(tokens, key)
			index = strings.TrimPrefix(index, "[")
		}
	}
	return jsonx.Pointer(tokens)
}
