// Command tokenservice is a small token service of the distribution token flow
// (distribution docs/spec/auth/token.md, "Requesting a Token" and "Token Response Fields";
// the claims of docs/spec/auth/jwt.md) for sealcheck's registry tests, on the Go standard
// library only. At start it makes a P-256 key and a self-signed certificate for it, written as
// PEM to -cert (the registry's `auth.token.rootcertbundle`). GET /token checks Basic
// credentials (-user NAME:PASSWORD:REPO[,REPO...], `*` for every repository) and answers an
// ES256 JWT whose `x5c` header carries the certificate, with claims iss (-issuer), sub, aud
// (the `service` asked), exp, nbf, iat, jti and `access`: only the scopes asked, each cut to
// the repositories the user may read and to the pull and push actions. Wrong or missing
// credentials are a 401. Every token request is appended to -log as one JSON line
// ({"account","scope","service","status"}) before it is answered.
//
// Usage: tokenservice -address 127.0.0.1:PORT -cert FILE -log FILE -issuer ISS
//
//	-user alice:s3cret:app,other [-user ...] [-expires-in SECONDS]
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

type user struct {
	password string
	repos    map[string]bool
}

type users map[string]user

func (u users) String() string { return fmt.Sprint(len(u)) }

func (u users) Set(v string) error {
	parts := strings.SplitN(v, ":", 3)
	if len(parts) != 3 || parts[0] == "" {
		return fmt.Errorf("want NAME:PASSWORD:REPO[,REPO...], got %q", v)
	}
	repos := map[string]bool{}
	for _, r := range strings.Split(parts[2], ",") {
		repos[r] = true
	}
	u[parts[0]] = user{password: parts[1], repos: repos}
	return nil
}

type access struct {
	Type    string   `json:"type"`
	Name    string   `json:"name"`
	Actions []string `json:"actions"`
}

type service struct {
	key       *ecdsa.PrivateKey
	cert      []byte
	issuer    string
	expiresIn int
	users     users
	mu        sync.Mutex
	log       *os.File
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// grant cuts the scope "repository:NAME:ACTIONS" to what the user may: nil when nothing is left.
func (u user) grant(scope string) *access {
	parts := strings.Split(scope, ":")
	if len(parts) < 3 || parts[0] != "repository" {
		return nil
	}
	name := strings.Join(parts[1:len(parts)-1], ":")
	if !u.repos["*"] && !u.repos[name] {
		return nil
	}
	a := &access{Type: "repository", Name: name, Actions: []string{}}
	for _, act := range strings.Split(parts[len(parts)-1], ",") {
		if act == "pull" || act == "push" {
			a.Actions = append(a.Actions, act)
		}
	}
	return a
}

func (s *service) sign(sub, aud string, grants []*access) (string, error) {
	header, err := json.Marshal(map[string]any{"typ": "JWT", "alg": "ES256", "x5c": []string{base64.StdEncoding.EncodeToString(s.cert)}})
	if err != nil {
		return "", err
	}
	now := time.Now().Unix()
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		return "", err
	}
	claims, err := json.Marshal(map[string]any{
		"iss": s.issuer, "sub": sub, "aud": aud, "exp": now + int64(s.expiresIn), "nbf": now, "iat": now, "jti": b64(jti), "access": grants,
	})
	if err != nil {
		return "", err
	}
	input := b64(header) + "." + b64(claims)
	digest := sha256.Sum256([]byte(input))
	r, sv, err := ecdsa.Sign(rand.Reader, s.key, digest[:])
	if err != nil {
		return "", err
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	sv.FillBytes(sig[32:])
	return input + "." + b64(sig), nil
}

func (s *service) record(account string, scopes []string, svc string, status int) {
	line, _ := json.Marshal(map[string]any{"account": account, "scope": strings.Join(scopes, " "), "service": svc, "status": status})
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.log.Write(append(line, '\n')); err != nil {
		log.Fatal(err)
	}
	if err := s.log.Sync(); err != nil {
		log.Fatal(err)
	}
}

func (s *service) token(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	scopes := q["scope"]
	name, password, ok := r.BasicAuth()
	u, known := s.users[name]
	if !ok || !known || u.password != password {
		s.record(name, scopes, q.Get("service"), http.StatusUnauthorized)
		w.Header().Set("WWW-Authenticate", `Basic realm="tokenservice"`)
		http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"wrong user name or password"}]}`, http.StatusUnauthorized)
		return
	}
	grants := []*access{}
	for _, scope := range scopes {
		for _, one := range strings.Split(scope, " ") {
			if g := u.grant(one); g != nil {
				grants = append(grants, g)
			}
		}
	}
	token, err := s.sign(name, q.Get("service"), grants)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	s.record(name, scopes, q.Get("service"), http.StatusOK)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"token": token, "expires_in": s.expiresIn, "issued_at": time.Now().UTC().Format(time.RFC3339)})
}

func main() {
	address := flag.String("address", "127.0.0.1:0", "address to listen on (loopback only)")
	certPath := flag.String("cert", "", "where to write the signing certificate (PEM)")
	logPath := flag.String("log", "", "where to append one JSON line per token request")
	issuer := flag.String("issuer", "sealcheck-tokenservice", "the iss claim")
	expiresIn := flag.Int("expires-in", 300, "expires_in of the tokens, in seconds")
	us := users{}
	flag.Var(us, "user", "NAME:PASSWORD:REPO[,REPO...] (repeatable; * for every repository)")
	flag.Parse()
	host, _, err := net.SplitHostPort(*address)
	if err != nil {
		log.Fatalf("-address %q: %v", *address, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		log.Fatalf("-address %q: only loopback addresses are served", *address)
	}
	if *certPath == "" || *logPath == "" {
		log.Fatal("-cert and -log are required")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	template := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: *issuer},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(48 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		log.Fatal(err)
	}
	logFile, err := os.OpenFile(*logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		log.Fatal(err)
	}
	s := &service{key: key, cert: der, issuer: *issuer, expiresIn: *expiresIn, users: us, log: logFile}
	listener, err := net.Listen("tcp", *address)
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /token", s.token)
	server := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: mux}
	log.Fatal(server.Serve(listener))
}
