package local_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/regional-data-exchange/rdx/shared/app"
	"github.com/regional-data-exchange/rdx/shared/app/local"
	"github.com/regional-data-exchange/rdx/shared/auth"
)

// The local run validates an upload when its presigned PUT lands, in
// process, as S3's ObjectCreated does in AWS: all over real HTTP.
func TestLocalRunValidatesUploadsOnArrival(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	local, err := local.Open(t.Context(), t.TempDir(), base, app.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer local.Close()
	srv := httptest.NewUnstartedServer(local.Handler)
	srv.Listener = ln
	srv.Start()
	defer srv.Close()
	tok, _ := local.DevKey.Mint(auth.TokenSpec{Subject: "s", Region: "west-wales", Partner: "carmarthenshire",
		Scopes: auth.DefaultScopes("west-wales", "carmarthenshire"), TTL: time.Minute}, time.Now())
	do := func(method, url string, header map[string]string, body []byte) (*http.Response, []byte) {
		req, _ := http.NewRequest(method, url, bytes.NewReader(body))
		for k, v := range header {
			req.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var buf bytes.Buffer
		buf.ReadFrom(res.Body)
		return res, buf.Bytes()
	}
	auth := map[string]string{"Authorization": "Bearer " + tok}
	_, csv := do("GET", base+"/v1/templates/quarterly-return-csv.csv", auth, nil)
	sum := sha256.Sum256(csv)
	start, _ := json.Marshal(map[string]any{"purpose": "quarterly-return-csv", "fundId": "care-homes-older-people", "quarter": "2018-19-Q2",
		"sizeBytes": len(csv), "sha256": hex.EncodeToString(sum[:])})
	res, body := do("POST", base+"/v1/regions/west-wales/partners/carmarthenshire/uploads",
		map[string]string{"Authorization": "Bearer " + tok, "Content-Type": "application/json"}, start)
	if res.StatusCode != 201 {
		t.Fatalf("start: %d %s", res.StatusCode, body)
	}
	var up struct {
		UploadID, URL, Method string
		Headers               map[string]string
	}
	json.Unmarshal(body, &up)
	if res, body := do(up.Method, up.URL, up.Headers, csv); res.StatusCode != 200 {
		t.Fatalf("presigned PUT: %d %s", res.StatusCode, body)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, body := do("GET", base+"/v1/regions/west-wales/partners/carmarthenshire/uploads/"+up.UploadID, auth, nil)
		var st struct{ State string }
		json.Unmarshal(body, &st)
		if st.State == "accepted" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the upload was not validated: %s", body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
