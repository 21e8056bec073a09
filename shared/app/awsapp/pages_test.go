package awsapp_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/regional-data-exchange/rdx/infra/standins"
	"github.com/regional-data-exchange/rdx/shared/app/awsapp"
)

const (
	sessionKeyARN   = "arn:aws:secretsmanager:eu-west-2:123456789012:secret:rdx-session-key-AbCdEf"
	clientSecretARN = "arn:aws:secretsmanager:eu-west-2:123456789012:secret:rdx-oidc-client-GhIjKl"
)

// secretsManager answers GetSecretValue as Secrets Manager does, from
// values, recording which secrets were asked for.
type secretsManager struct {
	mu     sync.Mutex
	values map[string]string
	asked  []string
}

func (s *secretsManager) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var in struct{ SecretId string }
	json.NewDecoder(r.Body).Decode(&in)
	s.mu.Lock()
	s.asked = append(s.asked, in.SecretId)
	v, ok := s.values[in.SecretId]
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	if r.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue" || !ok {
		w.WriteHeader(400)
		w.Write([]byte(`{"__type":"ResourceNotFoundException","message":"no such secret"}`))
		return
	}
	json.NewEncoder(w).Encode(map[string]any{"ARN": in.SecretId, "Name": in.SecretId, "SecretString": v})
}

// The API function reads the pages' secrets from Secrets Manager at start,
// those it is told of and no others: the key sealing the pages' cookies
// and, with sign-in through the identity provider set up, the app client's
// secret. Its sign-in page then offers the provider's sign-in, or says
// sign-in is not set up.
func TestPagesSecretsReadAtStart(t *testing.T) {
	sm := &secretsManager{values: map[string]string{sessionKeyARN: strings.Repeat("k", 64), clientSecretARN: "the-client-secret"}}
	srv := httptest.NewServer(sm)
	defer srv.Close()
	issuer := httptest.NewServer(http.NotFoundHandler()) // discovery is read when a page needs it, not at start
	defer issuer.Close()

	signInPage := func(t *testing.T, vars map[string]string) (string, []string, error) {
		sm.mu.Lock()
		sm.asked = nil
		sm.mu.Unlock()
		vars["RECEIPT_KEY_ID"], vars["AWS_ENDPOINT_URL_SECRETS_MANAGER"] = "alias/receipts", srv.URL
		standins.LambdaEnv(t, "", "", "", apiSettings(vars))
		cfg, err := config.LoadDefaultConfig(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		a, _, err := awsapp.API(t.Context(), cfg)
		sm.mu.Lock()
		asked := slices.Clone(sm.asked)
		sm.mu.Unlock()
		if err != nil {
			return "", asked, err
		}
		rec := httptest.NewRecorder()
		a.Handler.ServeHTTP(rec, httptest.NewRequest("GET", "/app/sign-in", nil))
		return rec.Body.String(), asked, nil
	}

	page, asked, err := signInPage(t, map[string]string{"SESSION_KEY_SECRET_ARN": sessionKeyARN,
		"OIDC_ISSUER": issuer.URL, "OIDC_CLIENT_ID": "pages", "OIDC_CLIENT_SECRET_ARN": clientSecretARN})
	if err != nil || !strings.Contains(page, "Continue to sign in") {
		t.Errorf("with sign-in set up: %v %.300s", err, page)
	}
	if !slices.Equal(asked, []string{sessionKeyARN, clientSecretARN}) {
		t.Errorf("secrets read: %v", asked)
	}

	page, asked, err = signInPage(t, map[string]string{"SESSION_KEY_SECRET_ARN": sessionKeyARN})
	if err != nil || !strings.Contains(page, "Signing in to the pages is not set up") || strings.Contains(page, `name="role"`) {
		t.Errorf("without sign-in: %v %.300s", err, page)
	}
	if !slices.Equal(asked, []string{sessionKeyARN}) {
		t.Errorf("secrets read without sign-in: %v", asked)
	}

	for name, vars := range map[string]map[string]string{
		"a secret that cannot be read": {"SESSION_KEY_SECRET_ARN": sessionKeyARN + "-gone"},
		"an issuer without its client": {"OIDC_ISSUER": issuer.URL},
	} {
		if _, _, err := signInPage(t, vars); err == nil {
			t.Errorf("%s: the function starts", name)
		}
	}
	sm.values[sessionKeyARN] = "short"
	if _, _, err := signInPage(t, map[string]string{"SESSION_KEY_SECRET_ARN": sessionKeyARN}); err == nil || !strings.Contains(err.Error(), "32") {
		t.Errorf("a short session key: %v", err)
	}
}
