package main

// RSA keys for the certificate functions of Sprig (genCA, genSelfSignedCert, genSignedCert, genPrivateKey "rsa")
// come from the host. Generating one in WebAssembly takes 1-5 s per 2048-bit key (big-number arithmetic without
// 64-bit multiplies with 128-bit results; measured on the bitnami nginx chart, whose TLS secret makes two), the
// host's OpenSSL takes milliseconds. Everything else is Sprig's own code: the functions below only hand Sprig's
// "...WithKey" variants a key instead of letting them generate one, so certificates and keys are exactly Sprig's
// (the same templates, the same PEM types).

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"reflect"
	"text/template"
	"unsafe"

	"github.com/Masterminds/sprig/v3"
)

// hostRSAKey asks the host for a new RSA key of the given size, written as PKCS#1 DER into out; it returns the
// length written, or 0 when the host refused (a size it does not generate, a buffer too small).
//
//go:wasmimport kluctl rsa_generate_key
func hostRSAKey(bits uint32, out unsafe.Pointer, capacity uint32) uint32

// rsaKeyPEM is a new RSA key as Sprig writes one: PKCS#1 in an "RSA PRIVATE KEY" block.
func rsaKeyPEM(bits int) (string, error) {
	buf := make([]byte, 8192)
	n := hostRSAKey(uint32(bits), unsafe.Pointer(&buf[0]), uint32(len(buf)))
	if n == 0 || int(n) > len(buf) {
		return "", fmt.Errorf("the host did not generate an RSA key of %d bits", bits)
	}
	der := buf[:n]
	if _, err := x509.ParsePKCS1PrivateKey(der); err != nil {
		return "", fmt.Errorf("the host's RSA key: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: der})), nil
}

// hostKeyFuncs replaces Sprig's functions that generate RSA keys (Sprig generates 2048-bit keys for
// certificates and 4096-bit ones for genPrivateKey "rsa").
func hostKeyFuncs() template.FuncMap {
	original := sprig.TxtFuncMap()
	call := func(name string, args ...any) (any, error) {
		in := make([]reflect.Value, len(args))
		fn := reflect.ValueOf(original[name])
		for i, a := range args {
			want := fn.Type().In(i)
			switch {
			case a == nil:
				in[i] = reflect.Zero(want)
			case reflect.TypeOf(a).AssignableTo(want):
				in[i] = reflect.ValueOf(a)
			default:
				// What text/template says when an argument does not fit Sprig's own signature.
				return nil, fmt.Errorf("wrong type for value; expected %s; got %s", want, reflect.TypeOf(a))
			}
		}
		out := fn.Call(in)
		if err, _ := out[1].Interface().(error); err != nil {
			return nil, err
		}
		return out[0].Interface(), nil
	}
	return template.FuncMap{
		"genCA": func(cn string, daysValid int) (any, error) {
			key, err := rsaKeyPEM(2048)
			if err != nil {
				return nil, err
			}
			return call("genCAWithKey", cn, daysValid, key)
		},
		"genSelfSignedCert": func(cn string, ips []any, alternateDNS []any, daysValid int) (any, error) {
			key, err := rsaKeyPEM(2048)
			if err != nil {
				return nil, err
			}
			return call("genSelfSignedCertWithKey", cn, ips, alternateDNS, daysValid, key)
		},
		"genSignedCert": func(cn string, ips []any, alternateDNS []any, daysValid int, ca any) (any, error) {
			key, err := rsaKeyPEM(2048)
			if err != nil {
				return nil, err
			}
			return call("genSignedCertWithKey", cn, ips, alternateDNS, daysValid, ca, key)
		},
		"genPrivateKey": func(typ string) string {
			if typ != "" && typ != "rsa" {
				return original["genPrivateKey"].(func(string) string)(typ)
			}
			key, err := rsaKeyPEM(4096)
			if err != nil {
				// Sprig's genPrivateKey reports errors in its result, not as a template error.
				return fmt.Sprintf("failed to generate private key: %s", err)
			}
			return key
		},
	}
}
