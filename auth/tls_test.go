package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// testPKI is a certificate authority with a server certificate for the
// loopback addresses and a client certificate, written as PEM files, and
// a second authority that signed neither.
type testPKI struct {
	dir                               string
	ca, otherCA                       string // PEM files
	clientCert, clientKey, clientBoth string
	otherKey                          string // a key that fits neither certificate
	serverPair                        tls.Certificate
	pool                              *x509.CertPool
}

func newPKI(t *testing.T, dir string) *testPKI {
	t.Helper()
	p := &testPKI{dir: dir, pool: x509.NewCertPool()}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	serial := int64(1)
	newKey := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	sign := func(tmpl, parent *x509.Certificate, pub, priv any) (*x509.Certificate, []byte) {
		serial++
		tmpl.SerialNumber = big.NewInt(serial)
		tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
		if parent == nil {
			parent = tmpl
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, priv)
		if err != nil {
			t.Fatal(err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		return c, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	}
	keyPEM := func(k *ecdsa.PrivateKey) []byte {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	}
	write := func(name string, parts ...[]byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(strings.Join(func() []string {
			var s []string
			for _, b := range parts {
				s = append(s, string(b))
			}
			return s
		}(), "")), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	caTmpl := func(cn string) *x509.Certificate {
		return &x509.Certificate{Subject: pkix.Name{CommonName: cn}, IsCA: true, BasicConstraintsValid: true,
			KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	}

	caKey := newKey()
	caCert, caPEM := sign(caTmpl("cloudmigrate test CA"), nil, &caKey.PublicKey, caKey)
	p.pool.AddCert(caCert)
	p.ca = write("ca.pem", caPEM)
	otherKey := newKey()
	_, otherPEM := sign(caTmpl("another CA"), nil, &otherKey.PublicKey, otherKey)
	p.otherCA = write("other-ca.pem", otherPEM)
	p.otherKey = write("other-key.pem", keyPEM(otherKey))

	serverKey := newKey()
	_, serverPEM := sign(&x509.Certificate{
		Subject:     pkix.Name{CommonName: "keystone.test"},
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, caCert, &serverKey.PublicKey, caKey)
	pair, err := tls.X509KeyPair(serverPEM, keyPEM(serverKey))
	if err != nil {
		t.Fatal(err)
	}
	p.serverPair = pair

	clientKey := newKey()
	_, clientPEM := sign(&x509.Certificate{
		Subject:     pkix.Name{CommonName: "migration-client"},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, caCert, &clientKey.PublicKey, caKey)
	p.clientCert = write("client.pem", clientPEM)
	p.clientKey = write("client-key.pem", keyPEM(clientKey))
	p.clientBoth = write("client-both.pem", clientPEM, keyPEM(clientKey))
	return p
}

// tlsKeystone is a Keystone and compute endpoint over TLS on loopback
// that asks every client for a certificate signed by the test CA, and
// records the client certificates it saw.
type tlsKeystone struct {
	*httptest.Server
	mu      sync.Mutex
	clients []string
}

func newTLSKeystone(t *testing.T, p *testPKI) *tlsKeystone {
	t.Helper()
	k := &tlsKeystone{}
	now := time.Now()
	k.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.TLS.PeerCertificates) > 0 {
			k.mu.Lock()
			k.clients = append(k.clients, r.TLS.PeerCertificates[0].Subject.CommonName)
			k.mu.Unlock()
		}
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/v3/auth/tokens":
			w.Header().Set("X-Subject-Token", "tls-token")
			w.WriteHeader(http.StatusCreated)
			w.Write(tokenBody(now, now.Add(time.Hour), []CatalogEntry{{Type: "compute", Endpoints: []CatalogEndpoint{
				{Interface: "public", RegionID: "RegionOne", URL: k.URL + "/compute/v2.1"}}}}))
		case r.URL.Path == "/compute/v2.1":
			w.Write([]byte(`{"version": {}}`))
		default:
			http.NotFound(w, r)
		}
	}))
	k.TLS = &tls.Config{
		Certificates: []tls.Certificate{p.serverPair},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    p.pool,
		MinVersion:   tls.VersionTLS12,
	}
	k.StartTLS()
	t.Cleanup(k.Close)
	return k
}

func (k *tlsKeystone) sawClients() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]string(nil), k.clients...)
}

// reach authenticates with ke and calls the compute endpoint through
// ke.HTTPClient, as a service client would.
func reach(ke *KeystoneEnv) error {
	ctx := context.Background()
	endpoint, err := ke.Endpoint(ctx, ServiceTypeCompute)
	if err != nil {
		return err
	}
	resp, err := ke.HTTPClient.Get(endpoint)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.New(resp.Status)
	}
	return nil
}

func TestTLSFromClouds(t *testing.T) {
	pl := isolate(t)
	pki := newPKI(t, filepath.Join(pl.home, "pki"))
	ks := newTLSKeystone(t, pki)
	cloud := func(extra string) map[string]string {
		writeFile(t, pl.wd, "clouds.yaml", "clouds:\n  c:\n    region_name: RegionOne\n    auth:\n      auth_url: "+ks.URL+
			"\n      token: t0\n"+extra)
		return map[string]string{EnvOSCloud: "c", envHome: pl.home}
	}
	ok := func(name string, env map[string]string) *KeystoneEnv {
		t.Helper()
		ke, err := keystoneFromEnv(mapLookup(env))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		before := len(ks.sawClients())
		if err := reach(ke); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := ks.sawClients()[before:]; len(got) == 0 || got[len(got)-1] != "migration-client" {
			t.Fatalf("%s: the server saw client certificates %q", name, got)
		}
		return ke
	}
	fails := func(name string, env map[string]string, check func(error) bool) {
		t.Helper()
		ke, err := keystoneFromEnv(mapLookup(env))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := reach(ke); err == nil || !check(err) {
			t.Fatalf("%s: %v", name, err)
		}
	}
	unknownAuthority := func(err error) bool {
		var cv *tls.CertificateVerificationError
		return errors.As(err, &cv)
	}

	ke := ok("cacert, cert and key", cloud("    cacert: "+pki.ca+"\n    cert: "+pki.clientCert+"\n    key: "+pki.clientKey+"\n"))
	if ke.TLSConfig == nil || ke.TLSConfig.InsecureSkipVerify || ke.TLSConfig.MinVersion != tls.VersionTLS12 {
		t.Fatalf("TLSConfig %+v", ke.TLSConfig)
	}
	// Token requests and service calls share the transport; only token
	// requests have a time limit of their own.
	if ke.HTTPClient.Timeout != 0 || ke.Keystone.hc.Timeout != defaultTokenTimeout || ke.Keystone.hc.Transport != ke.HTTPClient.Transport {
		t.Fatalf("clients: %+v %+v", ke.HTTPClient, ke.Keystone.hc)
	}
	if tr, isTr := ke.HTTPClient.Transport.(*http.Transport); !isTr || tr.TLSClientConfig != ke.TLSConfig {
		t.Fatal("transport does not use TLSConfig")
	}

	ok("the key inside the certificate's file", cloud("    cacert: "+pki.ca+"\n    cert: "+pki.clientBoth+"\n"))
	ok("paths from the home directory", cloud("    cacert: ~/pki/ca.pem\n    cert: ~/pki/client.pem\n    key: ~/pki/client-key.pem\n"))
	ok("verify: false, no CA", cloud("    verify: false\n    cert: "+pki.clientCert+"\n    key: "+pki.clientKey+"\n"))
	ok("insecure: true, no CA", cloud("    insecure: true\n    cert: "+pki.clientCert+"\n    key: "+pki.clientKey+"\n"))

	wrongCA := cloud("    cacert: " + pki.otherCA + "\n    cert: " + pki.clientCert + "\n    key: " + pki.clientKey + "\n")
	fails("another CA", wrongCA, unknownAuthority)
	withEnv := func(env map[string]string, kv ...string) map[string]string {
		out := map[string]string{}
		for k, v := range env {
			out[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	ok("OS_CACERT overrides cacert", withEnv(wrongCA, EnvOSCACert, pki.ca))
	ok("OS_INSECURE overrides cacert", withEnv(wrongCA, EnvOSInsecure, "true"))
	fails("no CA: the system's do not know the test CA", cloud("    cert: "+pki.clientCert+"\n    key: "+pki.clientKey+"\n"), unknownAuthority)
	fails("no client certificate", cloud("    cacert: "+pki.ca+"\n"), func(err error) bool {
		return !unknownAuthority(err) && strings.Contains(err.Error(), "tls: certificate required")
	})
	ok("OS_CERT and OS_KEY supply the certificate", withEnv(cloud("    cacert: "+pki.ca+"\n"), EnvOSCert, pki.clientCert, EnvOSKey, pki.clientKey))

	// Errors name the file, the cloud and the key.
	notPEM := writeFile(t, pl.home, "not.pem", "not a certificate\n")
	clouds := filepath.Join(pl.wd, "clouds.yaml")
	for _, c := range []struct {
		name  string
		extra string
		keys  []string
	}{
		{"CA file without a certificate", "    cacert: " + notPEM + "\n", []string{"cacert"}},
		{"missing CA file", "    cacert: " + filepath.Join(pl.home, "gone.pem") + "\n", []string{"cacert"}},
		{"certificate without its key", "    cert: " + pki.clientCert + "\n", []string{"cert", "key"}},
		{"key that does not fit", "    cert: " + pki.clientCert + "\n    key: " + pki.otherKey + "\n", []string{"cert", "key"}},
		{"key without certificate", "    key: " + pki.clientKey + "\n", []string{"cert"}},
	} {
		_, err := keystoneFromEnv(mapLookup(cloud(c.extra)))
		ce := cloudErr(t, err, clouds, -1, c.keys...)
		if strings.Contains(ce.Error(), "PRIVATE KEY") {
			t.Errorf("%s: error quotes the key: %v", c.name, ce)
		}
	}
}

func TestTLSFromEnv(t *testing.T) {
	pl := isolate(t)
	pki := newPKI(t, filepath.Join(pl.home, "pki"))
	ks := newTLSKeystone(t, pki)
	base := map[string]string{EnvOSAuthURL: ks.URL, EnvOSToken: "t0", EnvOSRegionName: "RegionOne"}
	with := func(kv ...string) map[string]string {
		out := map[string]string{}
		for k, v := range base {
			out[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	ke, err := keystoneFromEnv(mapLookup(with(EnvOSCACert, pki.ca, EnvOSCert, pki.clientCert, EnvOSKey, pki.clientKey)))
	if err != nil {
		t.Fatal(err)
	}
	if err := reach(ke); err != nil {
		t.Fatal(err)
	}
	ke, err = keystoneFromEnv(mapLookup(with(EnvOSInsecure, "TRUE", EnvOSCert, pki.clientBoth)))
	if err != nil || !ke.TLSConfig.InsecureSkipVerify {
		t.Fatalf("%v %v", ke, err)
	}
	if err := reach(ke); err != nil {
		t.Fatal(err)
	}

	// Without TLS settings there is no client of this package's: the
	// service clients keep their own defaults.
	ke, err = keystoneFromEnv(mapLookup(base))
	if err != nil || ke.TLSConfig != nil || ke.HTTPClient != nil || len(ke.ComputeOptions()) != 0 || len(ke.ShareOptions()) != 0 {
		t.Fatalf("%+v %v", ke, err)
	}

	// A client of the caller's own wins for token requests.
	mine := &http.Client{}
	ke, err = keystoneFromEnv(mapLookup(with(EnvOSCACert, pki.ca)), WithHTTPClient(mine))
	if err != nil || ke.Keystone.hc != mine || ke.HTTPClient == nil || ke.HTTPClient == mine {
		t.Fatalf("%v %v", ke, err)
	}
}
