#define F}F
F