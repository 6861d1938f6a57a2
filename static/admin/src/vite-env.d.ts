/// <reference types="vite/client" />
declare module '@atlaskit/tokens/dist/esm/artifacts/themes/*.js' {
  const css: string;
  export default css;
}
