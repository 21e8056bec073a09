// Package openapi holds the API contract: the OpenAPI 3.1 document every
// response is checked against.
package openapi

import _ "embed"

// Spec is openapi.yaml, the OpenAPI 3.1 document of the API.
//
//go:embed openapi.yaml
var Spec []byte
