// The xterm stylesheet is imported for its side effect (Vite bundles it); TypeScript checks that
// side-effect imports resolve, and a stylesheet has no types of its own.
declare module '@xterm/xterm/css/xterm.css';
