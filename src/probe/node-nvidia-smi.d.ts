// Types for node-nvidia-smi 1.0, which ships none: it runs `nvidia-smi -q -x` through a shell and parses it with
// xml2js (`explicitArray: false, trim: true`). The error is exec's Error, xml2js's, or stderr as a plain string.
declare module 'node-nvidia-smi' {
  function nvidiaSmi(callback: (error: Error | string | null, data?: unknown) => void): void;
  export = nvidiaSmi;
}
