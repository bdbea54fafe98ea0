package main

// The interop service's two messages, encoded by hand with protowire (no protoc, no generated code):
//   message Req { string name = 1; int32 count = 2; int32 size = 3; }
//   message Rep { string text = 1; int32 index = 2; }
// and a gRPC codec over them registered as "proto", so grpc-go sends plain application/grpc.

import (
	"fmt"

	"google.golang.org/grpc/encoding"
	"google.golang.org/protobuf/encoding/protowire"
)

type Req struct {
	Name  string
	Count int32
	Size  int32
}

type Rep struct {
	Text  string
	Index int32
}

// raw is a message's bytes as they are: the client's malformed-request case sends it.
type raw []byte

func (r *raw) marshal() []byte { return *r }

func (r *raw) unmarshal(b []byte) error {
	*r = append((*r)[:0], b...)
	return nil
}

type wireMsg interface {
	marshal() []byte
	unmarshal([]byte) error
}

func appendString(b []byte, num protowire.Number, s string) []byte {
	if s == "" {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func appendInt32(b []byte, num protowire.Number, v int32) []byte {
	if v == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.VarintType)
	// int32 is sign-extended to 64 bits on the wire, as protoc-generated code does.
	return protowire.AppendVarint(b, uint64(int64(v)))
}

// fields walks a message's fields; each string or varint field goes to onField, unknown ones are skipped.
func fields(b []byte, onString func(protowire.Number, string), onVarint func(protowire.Number, uint64)) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		switch typ {
		case protowire.BytesType:
			v, m := protowire.ConsumeString(b)
			if m < 0 {
				return protowire.ParseError(m)
			}
			onString(num, v)
			b = b[m:]
		case protowire.VarintType:
			v, m := protowire.ConsumeVarint(b)
			if m < 0 {
				return protowire.ParseError(m)
			}
			onVarint(num, v)
			b = b[m:]
		default:
			m := protowire.ConsumeFieldValue(num, typ, b)
			if m < 0 {
				return protowire.ParseError(m)
			}
			b = b[m:]
		}
	}
	return nil
}

func (r *Req) marshal() []byte {
	b := appendString(nil, 1, r.Name)
	b = appendInt32(b, 2, r.Count)
	return appendInt32(b, 3, r.Size)
}

func (r *Req) unmarshal(b []byte) error {
	*r = Req{}
	return fields(b, func(n protowire.Number, s string) {
		if n == 1 {
			r.Name = s
		}
	}, func(n protowire.Number, v uint64) {
		switch n {
		case 2:
			r.Count = int32(v)
		case 3:
			r.Size = int32(v)
		}
	})
}

func (r *Rep) marshal() []byte {
	b := appendString(nil, 1, r.Text)
	return appendInt32(b, 2, r.Index)
}

func (r *Rep) unmarshal(b []byte) error {
	*r = Rep{}
	return fields(b, func(n protowire.Number, s string) {
		if n == 1 {
			r.Text = s
		}
	}, func(n protowire.Number, v uint64) {
		if n == 2 {
			r.Index = int32(v)
		}
	})
}

type codec struct{}

func (codec) Name() string { return "proto" }

func (codec) Marshal(v any) ([]byte, error) {
	m, ok := v.(wireMsg)
	if !ok {
		return nil, fmt.Errorf("codec: cannot marshal %T", v)
	}
	return m.marshal(), nil
}

func (codec) Unmarshal(data []byte, v any) error {
	m, ok := v.(wireMsg)
	if !ok {
		return fmt.Errorf("codec: cannot unmarshal into %T", v)
	}
	return m.unmarshal(data)
}

func init() { encoding.RegisterCodec(codec{}) }
