// Package rdxclient is the Go client oapi-codegen v2 generates from
// openapi/openapi.yaml: the proof that a partner's generator builds a working
// client from the contract. rdx.gen.go is generated, not committed
// (`make clients` or `go generate` here makes it), so it always follows the
// document.
package rdxclient

//go:generate go tool oapi-codegen -config ../oapi-codegen.yaml -o rdx.gen.go ../../../../openapi/openapi.yaml
