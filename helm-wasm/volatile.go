package main

// Functions whose result is not a function of the render's inputs: the clock, randomness, generated keys and
// certificates, DNS. A render that calls one (at run time: a call in a branch not taken does not count) reports
// it, and the host never caches such a render (src/engine/helm/render-cache.ts): every kluctl run makes a new
// password, key or timestamp, so must every run here. Functions whose only freedom is an order (keys, values) are not
// listed: any order they give is one kluctl could give too.

import (
	"reflect"
	"sort"
	"text/template"

	"github.com/Masterminds/sprig/v3"
)

var volatileNames = []string{
	// the clock (date and its kin use the current time when given no time value)
	"now", "ago", "date", "dateInZone", "date_in_zone", "htmlDate", "htmlDateInZone", "durationRound",
	// randomness
	"randAlphaNum", "randAlpha", "randAscii", "randNumeric", "randBytes", "randInt", "shuffle", "uuidv4",
	// keys, certificates, salted hashes, random IVs
	"genPrivateKey", "genCA", "genCAWithKey", "genSelfSignedCert", "genSelfSignedCertWithKey", "genSignedCert",
	"genSignedCertWithKey", "encryptAES", "bcrypt", "htpasswd",
	// the network
	"getHostByName",
}

// volatileCalled holds the volatile functions the current render called.
var volatileCalled = map[string]bool{}

// volatileFuncs wraps every volatile function of funcs (same signature) so that a call is recorded.
func volatileFuncs(funcs template.FuncMap) template.FuncMap {
	out := template.FuncMap{}
	for _, name := range volatileNames {
		f, ok := funcs[name]
		if !ok {
			continue
		}
		fn := reflect.ValueOf(f)
		out[name] = reflect.MakeFunc(fn.Type(), func(args []reflect.Value) []reflect.Value {
			volatileCalled[name] = true
			if fn.Type().IsVariadic() {
				return fn.CallSlice(args)
			}
			return fn.Call(args)
		}).Interface()
	}
	return out
}

// renderFuncs is what the engine's CustomTemplateFuncs get: the host's key functions, every volatile one recorded.
func renderFuncs() template.FuncMap {
	funcs := template.FuncMap{}
	for name, f := range sprig.TxtFuncMap() {
		funcs[name] = f
	}
	for name, f := range hostKeyFuncs() {
		funcs[name] = f
	}
	return volatileFuncs(funcs)
}

func volatileList() []string {
	var names []string
	for name := range volatileCalled {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}
