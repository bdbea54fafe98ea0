// Certificates from files that rotate live (see README: "Certificates from files").
export { fileTlsSource, type FileTlsSource, type FileTlsSourceOptions, type FileTlsStatus } from './source.js';
export { tlsFromDir, type DirSourceOptions } from './tls-from-dir.js';
export { loadMaterial, type CertificateInfo, type LoadedMaterial, type TlsFiles } from './material.js';
