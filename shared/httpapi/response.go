package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// response is an answer rendered before it is sent, so that an idempotent
// request can store exactly what its caller received.
type response struct {
	status int
	header http.Header
	body   []byte
}

func jsonResponse(status int, v any) *response {
	body, err := json.Marshal(v)
	if err != nil {
		panic(err) // response types are plain data: cannot fail
	}
	return &response{status: status, header: http.Header{"Content-Type": {"application/json"}}, body: body}
}

// createdOrOK answers a put-like operation: 201 when it made the record,
// 200 when the record was already there.
func createdOrOK[T any](rec T, created bool, err error) (*response, error) {
	if err != nil {
		return nil, err
	}
	if created {
		return jsonResponse(http.StatusCreated, rec), nil
	}
	return jsonResponse(http.StatusOK, rec), nil
}

func (res *response) send(w http.ResponseWriter) {
	h := w.Header()
	for k, vs := range res.header {
		h[k] = vs
	}
	h.Set("Content-Length", strconv.Itoa(len(res.body)))
	if _, set := res.header["Cache-Control"]; !set { // answers are private and change: none is kept unless it says so
		h.Set("Cache-Control", "no-store")
	}
	w.WriteHeader(res.status)
	w.Write(res.body)
}

// storedHeaders are the headers an idempotent answer keeps: with
// Content-Language, a replay says the language its stored words are in,
// whatever its retry asks for.
var storedHeaders = []string{"Content-Type", "Content-Language", "ETag", "Location", "Allow", "WWW-Authenticate"}

func (res *response) headerMap() map[string]string {
	out := map[string]string{}
	for _, k := range storedHeaders {
		if v := res.header.Get(k); v != "" {
			out[k] = v
		}
	}
	return out
}
