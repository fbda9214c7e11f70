/** The product version, stamped by the build from package.json. */
declare const __FLOTILLA_VERSION__: string | undefined;
export const VERSION: string = typeof __FLOTILLA_VERSION__ === 'string' ? __FLOTILLA_VERSION__ : '0.0.0-dev';
