package main

// The service's two messages, encoded by hand with protowire (no protoc, no generated code):
//   message Req { int32 delay_ms = 1; }
//   message Rep { string name = 1; }
// and a gRPC codec over them registered as "proto", so grpc-go sends plain application/grpc.

import (
	"fmt"

	"google.golang.org/grpc/encoding"
	"google.golang.org/protobuf/encoding/protowire"
)

type Req struct{ DelayMs int32 }

type Rep struct{ Name string }

type wireMsg interface {
	marshal() []byte
	unmarshal([]byte) error
}

func (r *Req) marshal() []byte {
	if r.DelayMs == 0 {
		return nil
	}
	b := protowire.AppendTag(nil, 1, protowire.VarintType)
	return protowire.AppendVarint(b, uint64(int64(r.DelayMs)))
}

func (r *Req) unmarshal(b []byte) error {
	*r = Req{}
	return walk(b, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) {
		if num == 1 && typ == protowire.VarintType {
			r.DelayMs = int32(x)
		}
	})
}

func (r *Rep) marshal() []byte {
	if r.Name == "" {
		return nil
	}
	b := protowire.AppendTag(nil, 1, protowire.BytesType)
	return protowire.AppendString(b, r.Name)
}

func (r *Rep) unmarshal(b []byte) error {
	*r = Rep{}
	return walk(b, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) {
		if num == 1 && typ == protowire.BytesType {
			r.Name = string(v)
		}
	})
}

// walk visits each field: bytes fields with their value, varints with theirs; others are skipped.
func walk(b []byte, each func(protowire.Number, protowire.Type, []byte, uint64)) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		switch typ {
		case protowire.BytesType:
			v, m := protowire.ConsumeBytes(b)
			if m < 0 {
				return protowire.ParseError(m)
			}
			each(num, typ, v, 0)
			b = b[m:]
		case protowire.VarintType:
			v, m := protowire.ConsumeVarint(b)
			if m < 0 {
				return protowire.ParseError(m)
			}
			each(num, typ, nil, v)
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
