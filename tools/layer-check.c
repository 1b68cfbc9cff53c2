/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Linked with every object of one layer and only the layers below it
 * (meson.build): a call across a forbidden arrow leaves an undefined
 * symbol and this program does not link.  It is never run.
 */
int main(void)
{
	return 0;
}
