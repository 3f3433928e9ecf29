package ics

import (
	"fmt"
	"strings"

	"github.com/emersion/go-ical"
)

// Property is one parsed content line of a component.
type Property struct {
	Name  string // upper case
	Value string // the value as written (escaped), unfolded
	head  string // name and parameters exactly as written, unfolded
	line  int    // index into Calendar.lines
}

// Params returns the parameters, values without their quotes. They are
// parsed on demand: most lines never need them.
func (p Property) Params() ical.Params {
	params := ical.Params{}
	for pos := len(p.Name); pos < len(p.head) && p.head[pos] == ';'; {
		next, err := parseParam(p.head, pos+1, params, true)
		if err != nil {
			break
		}
		pos = next
	}
	return params
}

// Param returns the first value of one parameter. Heads without it (most
// of them, for most names) are not parsed.
func (p Property) Param(name string) string {
	if !mayHaveParam(p.head, name) {
		return ""
	}
	return p.Params().Get(name)
}

// parseProperty splits an unfolded content line into name, parameters and
// value. Quoted parameter values may hold ':', ';' and ','.
func parseProperty(text string) (Property, error) {
	nameEnd := indexByte2(text, ';', ':')
	if nameEnd <= 0 {
		return Property{}, fmt.Errorf("this line is not an iCalendar line (NAME:value): %q", excerpt(text))
	}
	p := Property{Name: strings.ToUpper(text[:nameEnd])}
	pos := nameEnd
	for pos < len(text) && text[pos] == ';' {
		next, err := parseParam(text, pos+1, nil, false)
		if err != nil {
			return Property{}, fmt.Errorf("%s: %w", p.Name, err)
		}
		pos = next
	}
	if pos >= len(text) || text[pos] != ':' {
		return Property{}, fmt.Errorf("%s: no ':' before the value", p.Name)
	}
	p.head = text[:pos]
	p.Value = text[pos+1:]
	return p, nil
}

// parseParam reads NAME=value[,value...] starting at pos and returns the
// offset of the ';' or ':' that follows. In a head (a line without its
// ':' and value), the end of the text also ends the last parameter.
func parseParam(text string, pos int, params ical.Params, head bool) (int, error) {
	eq := strings.IndexByte(text[pos:], '=')
	if eq <= 0 {
		return 0, fmt.Errorf("parameter without '=' at %q", clip(text[pos:], 30))
	}
	raw := text[pos : pos+eq]
	name := ""
	if params != nil {
		name = strings.ToUpper(raw)
	}
	pos += eq + 1
	for {
		value, next, err := paramValue(text, pos, head)
		if err != nil {
			return 0, fmt.Errorf("parameter %s: %w", strings.ToUpper(raw), err)
		}
		if params != nil {
			params[name] = append(params[name], value)
		}
		if next >= len(text) || text[next] != ',' {
			return next, nil
		}
		pos = next + 1
	}
}

func paramValue(text string, pos int, head bool) (string, int, error) {
	if pos < len(text) && text[pos] == '"' {
		end := strings.IndexByte(text[pos+1:], '"')
		if end < 0 {
			return "", 0, fmt.Errorf("unclosed quote")
		}
		return text[pos+1 : pos+1+end], pos + end + 2, nil
	}
	end := indexParamEnd(text[pos:])
	switch {
	case end < 0 && head:
		return text[pos:], len(text), nil
	case end < 0:
		return "", 0, fmt.Errorf("no ':' before the value")
	}
	return text[pos : pos+end], pos + end, nil
}

// indexByte2 returns the offset of the first a or b in s, or -1.
func indexByte2(s string, a, b byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == a || s[i] == b {
			return i
		}
	}
	return -1
}

// indexParamEnd returns the offset of the first ',', ';' or ':' in s, or -1.
func indexParamEnd(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == ',' || c == ';' || c == ':' {
			return i
		}
	}
	return -1
}

// Text returns the value with iCalendar text escapes resolved.
func (p Property) Text() string {
	return unescapeText(p.Value)
}

// toICal returns the property as a go-ical value, for dates and recurrence
// (which only read it: a property without parameters gets no map).
func (p Property) toICal() ical.Prop {
	prop := ical.Prop{Name: p.Name, Value: p.Value}
	if strings.IndexByte(p.head, ';') >= 0 {
		prop.Params = p.Params()
	}
	return prop
}
