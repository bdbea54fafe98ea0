export { Acc, parseClass, type ClassInfo, type MemberInfo, type MethodInfo } from './classfile.js';
export { readZip } from './zip.js';
export { parseClassSig, parseFieldType, parseMethodSig, type ClassSig, type JType, type MethodSig, type TypeParam } from './signature.js';
export { loadClasses } from './java-input.js';
export { generateJava, type GenResult, type JavaGenOptions } from './java-gen.js';
export { generateProto, type ProtoGenOptions } from './proto-gen.js';
