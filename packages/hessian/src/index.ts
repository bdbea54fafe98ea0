export { HessianWriter, type HessianWriterOptions } from './writer.js';
export { HessianReader, type HessianReaderOptions, type ClassDef } from './reader.js';
export { hessian2, hessian2Draft, type HessianDialect } from './dialect.js';
export { DraftHessianWriter } from './draft-writer.js';
export { DraftHessianReader } from './draft-reader.js';
export {
  JAVA_CLASS, javaObject, javaClassOf, isJavaThrowable, throwableMessage, type ThrowableInfo,
} from './java-object.js';
export { TypedValue, typed } from './typed-value.js';
export { encoderFor, type Encoder } from './typed-encode.js';
export { decoderFor, type Decoder } from './typed-decode.js';
export { hessianArrayType, listTypeName, mapTypeName, setTypeName } from './type-names.js';
export { encode, decode } from './one-shot.js';
export { hessian2Serialization, registerHessianSerialization } from './serialization.js';
