// Command devtoken prints a development token the local server accepts:
//
//	go run ./infra/devtoken --partner carmarthenshire --scope "submissions:read submissions:write"
//	go run ./infra/devtoken --scope "region:read periods:manage"        # the RCU
//	go run ./infra/devtoken --region '*' --scope "exports:read exports:write"   # government
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/regional-data-exchange/rdx/shared/auth"
)

func main() {
	dataDir := flag.String("data-dir", envOr("DATA_DIR", ".data"), "the local server's data folder (holds the signing key)")
	region := flag.String("region", "west-wales", "region id, or * for every region (government)")
	partner := flag.String("partner", "", "partner id; leave out for the RCU or government")
	scope := flag.String("scope", "", "space-separated scopes; default: all the token's shape allows")
	ttl := flag.Duration("ttl", time.Hour, "lifetime")
	sub := flag.String("sub", "", "subject (default dev-<partner|rcu|government>)")
	name := flag.String("name", "", "the person or system named on sign-offs")
	flag.Parse()

	key, err := auth.LoadOrCreateDevKey(*dataDir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "devtoken:", err)
		os.Exit(1)
	}
	spec := auth.TokenSpec{Subject: *sub, Name: *name, Region: *region, Partner: *partner, TTL: *ttl,
		Scopes: auth.DefaultScopes(*region, *partner)}
	if *scope != "" {
		spec.Scopes = nil
		for _, s := range strings.Fields(*scope) {
			spec.Scopes = append(spec.Scopes, auth.Scope(s))
		}
	}
	if spec.Subject == "" {
		spec.Subject = "dev-" + firstOf(*partner, map[bool]string{true: "government", false: "rcu"}[*region == auth.AllRegions])
	}
	tok, err := key.Mint(spec, time.Now())
	if err != nil {
		fmt.Fprintln(os.Stderr, "devtoken:", err)
		os.Exit(1)
	}
	fmt.Println(tok)
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
