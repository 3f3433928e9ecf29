package smtp

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
)

// TLSMode says how the relay's certificate is checked after STARTTLS.
type TLSMode string

const (
	// TLSVerify (also "") verifies the certificate against the system roots
	// plus Options.CAFile, for Options.TLSName or the host of Addr.
	TLSVerify TLSMode = "verify"
	// TLSSkipVerify accepts any certificate: for test relays only. It is
	// refused together with credentials to a host that is not loopback.
	TLSSkipVerify TLSMode = "skip-verify"
)

// trustHint is what an error about the relay's certificate says to do.
const (
	verifyHint = "give the relay's CA with --smtp-ca FILE (MMS_SMTP_CA) and the name on its certificate with --smtp-tls-name NAME"
	trustHint  = verifyHint + ", or, for a test relay only, --smtp-tls skip-verify"
)

// ParseTLSMode reads the value of --smtp-tls.
func ParseTLSMode(s string) (TLSMode, error) {
	switch m := TLSMode(s); m {
	case "", TLSVerify:
		return TLSVerify, nil
	case TLSSkipVerify:
		return m, nil
	}
	return "", fmt.Errorf("--smtp-tls %q: want %s (the default) or %s (test relays only)", s, TLSVerify, TLSSkipVerify)
}

// validateTLS checks the TLS options without reading any file.
func (o Options) validateTLS() error {
	if _, err := ParseTLSMode(string(o.TLS)); err != nil {
		return err
	}
	if strings.ContainsAny(o.TLSName, " \t\r\n/") {
		return fmt.Errorf("--smtp-tls-name %q: want a host name or address, e.g. relay.example.com", o.TLSName)
	}
	if o.TLS == TLSSkipVerify && o.User != "" && !loopbackHost(o.Addr) {
		return fmt.Errorf("--smtp-tls %s with MMS_SMTP_USER to %s: the password would go to a relay whose certificate is not checked; "+
			"use it only with a relay on this machine, or %s", TLSSkipVerify, o.Addr, verifyHint)
	}
	return nil
}

// loopbackHost reports whether the host of addr is this machine: a
// loopback address or "localhost".
func loopbackHost(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// trust builds the STARTTLS configuration from o: a copy of o.TLSConfig
// (or a new one), the server name, the CA bundle, the mode.
func trust(o Options) (*tls.Config, error) {
	c := tlsConfig(o.TLSConfig, o.Addr)
	if o.TLSName != "" {
		c.ServerName = o.TLSName
	}
	if o.CAFile != "" {
		roots, err := caPool(o.CAFile)
		if err != nil {
			return nil, err
		}
		c.RootCAs = roots
	}
	if o.TLS == TLSSkipVerify {
		c.InsecureSkipVerify = true
	}
	return c, nil
}

// maxCAFile bounds the CA bundle read into memory.
const maxCAFile = 4 << 20

// caPool is the system roots plus the certificates of the PEM file.
func caPool(file string) (*x509.CertPool, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("--smtp-ca: %w", err)
	}
	defer f.Close()
	pem, err := io.ReadAll(io.LimitReader(f, maxCAFile+1))
	if err != nil {
		return nil, fmt.Errorf("--smtp-ca %s: %w", file, err)
	}
	if len(pem) > maxCAFile {
		return nil, fmt.Errorf("--smtp-ca %s: larger than %d MiB; want a PEM bundle of CA certificates", file, maxCAFile>>20)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("--smtp-ca %s: no PEM certificate in it; want the relay's CA as \"-----BEGIN CERTIFICATE-----\" blocks", file)
	}
	return pool, nil
}
